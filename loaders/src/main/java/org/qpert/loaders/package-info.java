/** qpert loaders: safetensors, HF config, tokenizer, images, datasets. */
package org.qpert.loaders;
