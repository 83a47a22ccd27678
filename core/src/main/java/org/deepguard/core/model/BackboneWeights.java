package org.deepguard.core.model;

/** Where the backbone's initial weights come from. */
public enum BackboneWeights {
    /** He-normal initialisation (the zoo default, truncated normal with std 0.5, overflows at 128 px). */
    RANDOM,
    /** ImageNet weights: the DL4J zoo file, downloaded when online or supplied locally. */
    IMAGENET
}
