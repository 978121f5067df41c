/**
 * Retrieval datasets and object boxes: Karpathy test splits as LAVIS ships them (Flickr30K, MSCOCO), Flickr30K
 * Entities boxes, COCO instance annotations, and qpert's own box JSON that users and detectors write.
 */
package org.qpert.loaders.dataset;
