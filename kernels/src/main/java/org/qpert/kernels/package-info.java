/** qpert kernels: CUDA sources, their PTX, and the JCuda backend. */
package org.qpert.kernels;
