import org.deepguard.core.data.*;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.model.*;
import java.awt.image.BufferedImage;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.nio.file.Path;
import java.util.*;

/** Mirror test-time augmentation: per fold and condition, AUC and balanced accuracy with and without mirrored views. */
public class MirrorViews {
    static BufferedImage mirror(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) out.setRGB(img.getWidth() - 1 - x, y, img.getRGB(x, y));
        return out;
    }
    static double auc(double[] s, boolean[] y) {
        double c = 0; long n = 0;
        for (int i = 0; i < s.length; i++) if (y[i]) for (int j = 0; j < s.length; j++) if (!y[j]) { n++; c += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0; }
        return c / n;
    }
    static double bacc(double[] p, boolean[] y, double t) {
        int tp = 0, f = 0, tn = 0, r = 0;
        for (int i = 0; i < p.length; i++) { if (y[i]) { f++; if (p[i] >= t) tp++; } else { r++; if (p[i] < t) tn++; } }
        return 0.5 * tp / f + 0.5 * tn / r;
    }
    public static void main(String[] args) throws Exception {
        List<Perturbation> conds = new ArrayList<>();
        conds.add(null);
        for (Perturbation p : Perturbation.standard()) if (p.label().equals("jpeg=75") || p.label().equals("resize=0.5") || p.label().startsWith("resize=0.75")) conds.add(p);
        for (String arg : args) {
            Path fold = Path.of(arg);
            ModelBundle bundle = ModelBundle.load(fold);
            Detector d = new Detector(bundle);
            double T = bundle.metadata().temperature;
            Manifest m = Manifest.read(fold.resolve("manifest.csv"));
            List<ManifestEntry> es = m.usable(Split.TEST);
            for (Perturbation c : conds) {
                List<Detector.PreparedImage> plain = new ArrayList<>(), tta = new ArrayList<>();
                boolean[] y = new boolean[es.size()];
                int i = 0;
                for (ManifestEntry e : es) {
                    BufferedImage img = ImageLoader.load(m.resolve(e)).rgb();
                    BufferedImage x = c == null ? img : c.apply(img, 1234 + i);
                    Detector.PreparedImage a = d.prepare(x), b = d.prepare(mirror(x));
                    plain.add(a);
                    List<float[]> v = new ArrayList<>(a.views()); v.addAll(b.views());
                    tta.add(new Detector.PreparedImage(v, a.spectralLogOdds(), a.shortSide()));
                    y[i++] = e.label() == Label.FAKE;
                }
                double[] zp = d.imageLogOdds(plain), zt = d.imageLogOdds(tta);
                double[] pp = new double[zp.length], pt = new double[zt.length];
                for (int k = 0; k < zp.length; k++) { pp[k] = 1 / (1 + Math.exp(-zp[k] / T)); pt[k] = 1 / (1 + Math.exp(-zt[k] / T)); }
                System.out.printf(Locale.ROOT, "%s %-20s auc %.3f -> %.3f  bacc %.3f -> %.3f%n", fold.getFileName(), c == null ? "clean" : c.label(),
                    auc(zp, y), auc(zt, y), bacc(pp, y, d.threshold()), bacc(pt, y, d.threshold()));
            }
        }
    }
}
