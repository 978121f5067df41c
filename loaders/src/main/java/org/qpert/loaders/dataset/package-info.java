/**
 * Retrieval datasets and object boxes: Karpathy test splits as LAVIS ships them (Flickr30K, MSCOCO), the fine-grained
 * Flickr30K-FG and MSCOCO-FG (captions JSON and a NumPy {@code .npy} pool list), Flickr30K Entities boxes, COCO
 * instance annotations, and qpert's own box JSON that users and detectors write.
 */
package org.qpert.loaders.dataset;
