/** qpert core: tensors, the Backend seam, the CPU backend, the BLIP-2 model, Q-Perturbation, retrieval. */
package org.qpert.core;
