/**
 * Models by Hugging Face Hub id: the Hub's file protocol over the JDK's HTTP client, and the Hub cache shared with
 * huggingface_hub ({@link org.qpert.loaders.hub.ModelSource} is the entry point).
 */
package org.qpert.loaders.hub;
