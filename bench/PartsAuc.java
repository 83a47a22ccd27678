import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;

import java.awt.image.BufferedImage;
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
 * fold. With {@code --sweep}, the three AUCs under every condition of the standard degradation sweep instead (the
 * conditions `train --cv` scores; image i of a fold gets seed 1234 + i), per fold and their mean: which part breaks
 * under which processing. Bench helper, run from the repository root after `mvn -q -B package -DskipTests`:
 *
 * <pre>java -cp 'dist/lib/*' bench/PartsAuc.java [--sweep] OUT/fold-0 [OUT/fold-1 ...]</pre>
 */
public class PartsAuc {
    private static final String[] PARTS = {"network", "cue", "fused"};

    public static void main(String[] args) throws Exception {
        boolean sweep = args.length > 0 && args[0].equals("--sweep");
        List<Perturbation> conditions = new ArrayList<>();
        conditions.add(null); // clean
        if (sweep) {
            conditions.addAll(Perturbation.standard());
        }
        int folds = args.length - (sweep ? 1 : 0);
        double[][] meanAuc = new double[conditions.size()][PARTS.length];
        for (String arg : sweep ? java.util.Arrays.copyOfRange(args, 1, args.length) : args) {
            Path fold = Path.of(arg);
            Detector detector = new Detector(ModelBundle.load(fold));
            Manifest manifest = Manifest.read(fold.resolve("manifest.csv"));
            List<ManifestEntry> test = manifest.usable(Split.TEST);
            List<BufferedImage> images = new ArrayList<>();
            List<Boolean> fake = new ArrayList<>();
            List<String> group = new ArrayList<>();
            for (ManifestEntry e : test) {
                images.add(ImageLoader.load(manifest.resolve(e)).rgb());
                fake.add(e.label() == Label.FAKE);
                group.add(e.group());
            }
            for (int c = 0; c < conditions.size(); c++) {
                Perturbation condition = conditions.get(c);
                List<double[]> z = new ArrayList<>();
                for (int i = 0; i < images.size(); i++) {
                    BufferedImage img = condition == null ? images.get(i) : condition.apply(images.get(i), 1234 + i);
                    ScoreBreakdown b = ScoreBreakdown.of(detector, img);
                    z.add(new double[] {b.networkLogOdds(), b.cueLogOdds(), b.logOdds()});
                }
                double[] auc = new double[PARTS.length];
                for (int p = 0; p < PARTS.length; p++) {
                    auc[p] = auc(fake, z, p, null, group);
                    meanAuc[c][p] += auc[p] / folds;
                }
                System.out.printf(Locale.ROOT, "%s%s: network %.3f  cue %.3f  fused %.3f  (%d test images)%n", fold,
                        label(condition), auc[0], auc[1], auc[2], fake.size());
                if (!sweep) {
                    leaveOneRealGroupOut(fake, z, group);
                }
            }
        }
        if (sweep) {
            for (int c = 0; c < conditions.size(); c++) {
                System.out.printf(Locale.ROOT, "mean over %d folds%s: network %.3f  cue %.3f  fused %.3f%n", folds,
                        label(conditions.get(c)), meanAuc[c][0], meanAuc[c][1], meanAuc[c][2]);
            }
        }
    }

    private static String label(Perturbation condition) {
        return condition == null ? " clean" : " " + condition.label();
    }

    private static void leaveOneRealGroupOut(List<Boolean> fake, List<double[]> z, List<String> group) {
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
