/**
 * OWLv2 ({@code Owlv2ForObjectDetection}), the open-vocabulary detector whose boxes drive Q-Perturbation on images
 * without annotations: {@link org.qpert.core.model.owlv2.Owlv2Detector} is the entry point; the post-processing of its
 * outputs into boxes lives in {@link org.qpert.core.detect}.
 */
package org.qpert.core.model.owlv2;
