import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.*;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.learning.config.Adam;
import java.util.*;

/**
 * Activation memory of the hybrid network's training step by layer kind: every vertex's output at batch 32 in
 * float, from the graph's activation types (what DL4J keeps in its WS_ALL_LAYERS_ACT workspace for backprop; an
 * InPlaceReLU's output is its input's array, so that row costs nothing extra in training).
 * Usage: {@code java -cp 'dist/lib/*' bench/ActSizes.java [SIZE]} (default 128 px).
 */
public class ActSizes {
    public static void main(String[] a) throws Exception {
        int size = a.length > 0 ? Integer.parseInt(a[0]) : 128;
        ComputationGraphConfiguration conf = HybridNetwork.configuration(NetworkConfig.defaults(size, 42), new Adam(1e-3), null);
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(size, size, 3));
        Map<String, Double> byKind = new TreeMap<>();
        double total = 0;
        for (var e : conf.getVertices().entrySet()) {
            InputType t = types.get(e.getKey());
            if (t == null) continue;
            double mb = t.arrayElementsPerExample() * 32.0 * 4 / 1048576;
            String kind = e.getValue() instanceof LayerVertex lv ? lv.getLayerConf().getLayer().getClass().getSimpleName() : e.getValue().getClass().getSimpleName();
            byKind.merge(kind, mb, Double::sum);
            total += mb;
        }
        byKind.forEach((k, v) -> System.out.printf("%-28s %8.1f MB%n", k, v));
        System.out.printf("%-28s %8.1f MB (batch 32, float)%n", "total", total);
    }
}
