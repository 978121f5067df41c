/**
 * BERT WordPiece tokenization exactly as Hugging Face {@code BertTokenizer} does it, read from {@code vocab.txt} or a
 * {@code tokenizer.json}, plus the LAVIS caption cleaning used by BLIP-2 retrieval.
 */
package org.qpert.loaders.text;
