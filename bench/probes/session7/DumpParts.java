import org.deepguard.core.data.*;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;

/**
 * Probe helper (BENCHMARKS "Robustness, session 7"): CSV of z_net, z_cue and the fused log-odds for every image of each
 * fold's validation and test splits, clean and under the standard sweep, plus one pseudo-fake per simulator family of
 * each real image (cond sim-FAMILY). Run from the repository root after `mvn -q -B package -DskipTests`:
 *
 * <pre>java -cp 'dist/lib/*' bench/probes/session7/DumpParts.java OUT/fold-0 [OUT/fold-1 ...] &gt; parts.csv</pre>
 */
public class DumpParts {
    public static void main(String[] args) throws Exception {
        List<Perturbation> conds = new ArrayList<>();
        conds.add(null);
        for (Perturbation p : Perturbation.standard()) conds.add(p);
        System.out.println("fold,split,cond,path,fake,group,generator,znet,zcue,fused");
        for (String arg : args) {
            Path fold = Path.of(arg);
            Detector d = new Detector(ModelBundle.load(fold));
            Manifest m = Manifest.read(fold.resolve("manifest.csv"));
            for (Split split : new Split[] {Split.VAL, Split.TEST}) {
                int i = 0;
                for (ManifestEntry e : m.usable(split)) {
                    BufferedImage img = ImageLoader.load(m.resolve(e)).rgb();
                    for (Perturbation c : conds) {
                        BufferedImage x = c == null ? img : c.apply(img, 1234 + i);
                        ScoreBreakdown b = ScoreBreakdown.of(d, x);
                        System.out.printf(Locale.ROOT, "%s,%s,%s,%s,%d,%s,%s,%.5f,%.5f,%.5f%n", fold.getFileName(), split,
                            c == null ? "clean" : c.label(), e.path(), e.label() == Label.FAKE ? 1 : 0, e.group(), e.extra().getOrDefault("generator", ""),
                            b.networkLogOdds(), b.cueLogOdds(), b.logOdds());
                    }
                    if (e.label() == Label.REAL) {
                        for (org.deepguard.core.train.ArtifactSimulator.Family fam : org.deepguard.core.train.ArtifactSimulator.Family.values()) {
                            BufferedImage x = new org.deepguard.core.train.ArtifactSimulator(List.of(fam)).apply(img, fam, new SplittableRandom(777 + i));
                            ScoreBreakdown b = ScoreBreakdown.of(d, x);
                            System.out.printf(Locale.ROOT, "%s,%s,%s,%s,%d,%s,%s,%.5f,%.5f,%.5f%n", fold.getFileName(), split,
                                "sim-" + fam.code(), e.path(), 1, e.group(), "sim", b.networkLogOdds(), b.cueLogOdds(), b.logOdds());
                        }
                    }
                    i++;
                }
            }
        }
    }
}
