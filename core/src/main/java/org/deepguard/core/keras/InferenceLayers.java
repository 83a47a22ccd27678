package org.deepguard.core.keras;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasLayerUtils;
import org.nd4j.linalg.activations.Activation;

import java.util.List;
import java.util.Map;

/**
 * Keras layers DL4J's importer does not know, registered with {@code KerasLayer.registerCustomLayer}: each becomes
 * what it computes at inference, a plain DL4J activation layer.
 */
final class InferenceLayers {
    /** Augmentation layers: the identity at inference (Keras applies them only with training=True). */
    static final List<String> AUGMENTATION = List.of("RandomFlip", "RandomRotation", "RandomZoom",
            "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomHeight", "RandomWidth");

    private InferenceLayers() {}

    static void register() {
        KerasLayer.registerCustomLayer("Rescaling", Rescaling.class);
        for (String name : AUGMENTATION) {
            KerasLayer.registerCustomLayer(name, Identity.class);
        }
    }

    /** {@code Rescaling(scale, offset)}: x * scale + offset, scalars only (checked before import). */
    public static final class Rescaling extends KerasLayer {
        public Rescaling(Map<String, Object> layerConfig)
                throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
            super(layerConfig, false);
            Map<String, Object> inner = KerasLayerUtils.getInnerLayerConfigFromConfig(layerConfig, conf);
            double scale = number(inner.get("scale"), 1);
            double offset = number(inner.get("offset"), 0);
            this.layer = new ActivationLayer.Builder().name(layerName).activation(new AffineActivation(scale, offset))
                    .build();
        }

        private static double number(Object v, double fallback) throws UnsupportedKerasConfigurationException {
            if (v == null) {
                return fallback;
            }
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            throw new UnsupportedKerasConfigurationException("Rescaling with per-channel values is not supported");
        }

        @Override
        public InputType getOutputType(InputType... inputType) {
            return inputType[0];
        }
    }

    /** An augmentation layer: passes its input through. */
    public static final class Identity extends KerasLayer {
        public Identity(Map<String, Object> layerConfig)
                throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
            super(layerConfig, false);
            this.layer = new ActivationLayer.Builder().name(layerName).activation(Activation.IDENTITY).build();
        }

        @Override
        public InputType getOutputType(InputType... inputType) {
            return inputType[0];
        }
    }
}
