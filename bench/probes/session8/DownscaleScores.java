import org.deepguard.core.data.*;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.model.*;
import org.deepguard.core.explain.ScoreBreakdown;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;
public class DownscaleScores {
    public static void main(String[] args) throws Exception {
        Perturbation half = null;
        for (Perturbation p : Perturbation.standard()) if (p.label().equals("resize=0.5")) half = p;
        for (String arg : args) {
            Path fold = Path.of(arg);
            ModelBundle bundle = ModelBundle.load(fold);
            Detector d = new Detector(bundle);
            double T = bundle.metadata().temperature;
            Manifest m = Manifest.read(fold.resolve("manifest.csv"));
            int i = 0;
            for (ManifestEntry e : m.usable(Split.TEST)) {
                BufferedImage img = ImageLoader.load(m.resolve(e)).rgb();
                BufferedImage x = half.apply(img, 1234 + i++);
                ScoreBreakdown a = ScoreBreakdown.of(d, img), b = ScoreBreakdown.of(d, x);
                double za = d.imageLogOdds(List.of(d.prepare(img)))[0], zb = d.imageLogOdds(List.of(d.prepare(x)))[0];
                System.out.printf(Locale.ROOT, "%s %d %-28s %-18s net %6.2f cue %6.2f p %.2f | net %6.2f cue %6.2f p %.2f thr %.2f%n", fold.getFileName(), e.label() == Label.FAKE ? 1 : 0,
                    Path.of(e.path()).getFileName(), e.extra().getOrDefault("generator", ""), a.networkLogOdds(), a.cueLogOdds(), 1/(1+Math.exp(-za/T)), b.networkLogOdds(), b.cueLogOdds(), 1/(1+Math.exp(-zb/T)), d.threshold());
            }
        }
    }
}
