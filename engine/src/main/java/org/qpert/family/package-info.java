/**
 * Model families as plug-ins: {@link org.qpert.family.ModelFamily} recognises and loads a checkpoint;
 * {@link org.qpert.family.FamilyModel} is what the facade and the engine run, whatever the family. One sub-package per
 * family holds its plug-in (the model math itself is in core's {@code org.qpert.core.model.<family>}).
 */
package org.qpert.family;
