import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which part of a fold model carries its test AUC: the network alone (z_net), the hand-crafted cue alone (z_cue) and
 * the fused score, from {@link ScoreBreakdown} on the fold's test split (`train --cv` writes OUT/fold-i with its
 * manifest.csv). Also the fused AUC with each real group left out in turn, to show when one source photo decides a
 * fold. Bench helper, run from the repository root after `mvn -q -B package -DskipTests`:
 *
 * <pre>java -cp 'dist/lib/*' bench/PartsAuc.java OUT/fold-0 [OUT/fold-1 ...]</pre>
 */
public class PartsAuc {
    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            Path fold = Path.of(arg);
            Detector detector = new Detector(ModelBundle.load(fold));
            Manifest manifest = Manifest.read(fold.resolve("manifest.csv"));
            List<Boolean> fake = new ArrayList<>();
            List<String> group = new ArrayList<>();
            List<double[]> z = new ArrayList<>();
            for (ManifestEntry e : manifest.usable(Split.TEST)) {
                ScoreBreakdown b = ScoreBreakdown.of(detector, ImageLoader.load(manifest.resolve(e)).rgb());
                fake.add(e.label() == Label.FAKE);
                group.add(e.group());
                z.add(new double[] {b.networkLogOdds(), b.cueLogOdds(), b.logOdds()});
            }
            System.out.printf(Locale.ROOT, "%s: network %.3f  cue %.3f  fused %.3f  (%d test images)%n", fold,
                    auc(fake, z, 0, null, group), auc(fake, z, 1, null, group), auc(fake, z, 2, null, group),
                    fake.size());
            Map<String, Integer> reals = new TreeMap<>();
            for (int i = 0; i < fake.size(); i++) {
                if (!fake.get(i)) {
                    reals.merge(group.get(i), 1, Integer::sum);
                }
            }
            for (Map.Entry<String, Integer> g : reals.entrySet()) {
                System.out.printf(Locale.ROOT, "    without real group %-24s (%2d images): fused %.3f%n", g.getKey(),
                        g.getValue(), auc(fake, z, 2, g.getKey(), group));
            }
        }
    }

    /** ROC AUC of column {@code col}, the real images of {@code leaveOut} (if any) left out. */
    private static double auc(List<Boolean> fake, List<double[]> z, int col, String leaveOut, List<String> group) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < fake.size(); i++) {
            if (fake.get(i) || leaveOut == null || !leaveOut.equals(group.get(i))) {
                keep.add(i);
            }
        }
        boolean[] y = new boolean[keep.size()];
        double[] s = new double[keep.size()];
        for (int k = 0; k < keep.size(); k++) {
            y[k] = fake.get(keep.get(k));
            s[k] = z.get(keep.get(k))[col];
        }
        return BinaryMetrics.rocAuc(y, s);
    }
}
