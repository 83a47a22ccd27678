package org.deepguard.core.model;

/** The deep branch of the hybrid network. */
public enum Backbone {
    /** ResNet50 (bottlenecks 3-4-6-3) with the standard 32x downsampling: a 4x4 last map at 128 px. */
    RESNET50,
    /**
     * ResNet50 with DL4J zoo geometry: an extra stride 2 in res2a (64x downsampling, 2x2 last map at 128 px) and
     * about 4x less arithmetic. For CPU-bound runs; weights transfer between the two unchanged.
     */
    RESNET50_LITE,
    /**
     * ResNet50 with Keras geometry, for Keras ImageNet weights ({@code train --backbone-weights FILE.h5}): explicit
     * zero padding 3 before the 7x7 stem and 1 before the max-pool (valid convolution and pooling there), stride 2
     * in the first 1x1 convolution of stages 3-5, BN epsilon 1.001e-5, and a fixed layer in front of the branch
     * only that turns the network's input into Keras's caffe preprocessing (BGR, minus the ImageNet mean, 0-255).
     */
    RESNET50_KERAS,
    /** No backbone: the CNN branch alone feeds the head. */
    NONE;

    public boolean isResNet() {
        return this != NONE;
    }
}
