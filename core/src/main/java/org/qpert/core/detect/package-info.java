/**
 * Turning a detector's per-patch outputs into boxes: scores, pixel corners, threshold and greedy NMS
 * ({@link org.qpert.core.detect.DetectionDecoder}), then the selection for Q-Perturbation (clip to the image, drop
 * small boxes, keep the best N). The settings and their defaults belong to the library ({@code org.qpert.api.DetectorSettings}).
 */
package org.qpert.core.detect;
