import org.deepguard.core.data.*;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.*;
import org.deepguard.core.model.*;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.train.Augmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;
/** Offline: one fusion per scale knot (fitted on the downscaled validation copies) vs the clean fusion + shift. */
public class ScaleFusion {
    static double[] arr(List<Double> l) { return l.stream().mapToDouble(Double::doubleValue).toArray(); }
    static boolean[] barr(List<Boolean> l) { boolean[] b = new boolean[l.size()]; for (int i = 0; i < b.length; i++) b[i] = l.get(i); return b; }
    public static void main(String[] args) throws Exception {
        double factor = Double.parseDouble(System.getProperty("factor", "0.5"));
        Perturbation half = null;
        for (Perturbation p : Perturbation.standard()) if (p.label().equals("resize=" + (factor == 0.5 ? "0.5" : factor))) half = p;
        double[][] sums = new double[8][2];
        for (String arg : args) {
            Path fold = Path.of(arg);
            ModelBundle bundle = ModelBundle.load(fold);
            Detector d = new Detector(bundle);
            ModelMetadata meta = bundle.metadata();
            double T = meta.temperature, thr = meta.threshold;
            double thrZ = T * Math.log(thr / (1 - thr));
            Manifest m = Manifest.read(fold.resolve("manifest.csv"));
            List<Double> vn = new ArrayList<>(), vc = new ArrayList<>(); List<Boolean> vy = new ArrayList<>();
            var down = Augmenter.downscale(factor);
            for (ManifestEntry e : m.usable(Split.VAL)) {
                BufferedImage img = ImageLoader.load(m.resolve(e)).rgb();
                for (int c = 0; c < 2; c++) {
                    BufferedImage x = down.degrade(img, new SplittableRandom(Augmenter.imageKey(Path.of(e.path())) + 77 * c));
                    ScoreBreakdown b = ScoreBreakdown.of(d, x);
                    vn.add(b.networkLogOdds()); vc.add(b.cueLogOdds()); vy.add(e.label() == Label.FAKE);
                }
            }
            List<Double> tn = new ArrayList<>(), tc = new ArrayList<>(); List<Boolean> ty = new ArrayList<>(); List<Integer> side = new ArrayList<>();
            int i = 0;
            for (ManifestEntry e : m.usable(Split.TEST)) {
                BufferedImage img = ImageLoader.load(m.resolve(e)).rgb();
                BufferedImage x = half.apply(img, 1234 + i++);
                ScoreBreakdown b = ScoreBreakdown.of(d, x);
                tn.add(b.networkLogOdds()); tc.add(b.cueLogOdds()); ty.add(e.label() == Label.FAKE);
                side.add(Math.min(x.getWidth(), x.getHeight()));
            }
            double[] VN = arr(vn), VC = arr(vc), TN = arr(tn), TC = arr(tc); boolean[] VY = barr(vy), TY = barr(ty);
            ScoreFusion f = meta.fusion;
            // variants: 0 current (clean fusion + stored knot); 1 clean fusion + cut refit here; 2 per-scale bounded fusion; 3 per-scale fitted; 4 network only; 5 cue only
            ScoreFusion[] fus = {f, f, ScoreFusion.fit(VN, VC, VY, ScoreFusion.Rule.BOUNDED), ScoreFusion.fit(VN, VC, VY, ScoreFusion.Rule.FITTED),
                ScoreFusion.fit(VN, new double[VN.length], VY, ScoreFusion.Rule.FITTED), null};
            String[] names = {"current", "clean-fusion+refit-cut", "scale-fusion bounded", "scale-fusion fitted", "network only", "cue only"};
            StringBuilder sb = new StringBuilder(fold.getFileName() + String.format(" f=%s", f));
            for (int v = 0; v < names.length; v++) {
                double[] zv = new double[VN.length], zt = new double[TN.length];
                for (int k = 0; k < zv.length; k++) zv[k] = v == 5 ? VC[k] : fus[v].fuse(VN[k], VC[k]);
                for (int k = 0; k < zt.length; k++) zt[k] = v == 5 ? TC[k] : fus[v].fuse(TN[k], TC[k]);
                double off;
                if (v == 0) off = meta.scaleCalibration.offset(side.get(0));
                else off = thrZ - Calibration.balancedCut(zv, VY);
                double[] p = new double[zt.length];
                for (int k = 0; k < zt.length; k++) p[k] = 1 / (1 + Math.exp(-(zt[k] + off) / T));
                double auc = BinaryMetrics.rocAuc(TY, p), bacc = BinaryMetrics.confusion(TY, p, thr).balancedAccuracy();
                sums[v][0] += auc / args.length; sums[v][1] += bacc / args.length;
                sb.append(String.format(Locale.ROOT, "%n   %-24s auc %.3f bacc %.3f off %.2f valauc %.3f", names[v], auc, bacc, off,
                    BinaryMetrics.rocAuc(VY, zv)));
                if (v == 2 || v == 3 || v == 4) sb.append(" ").append(fus[v]);
            }
            System.out.println(sb);
        }
        String[] names = {"current", "clean-fusion+refit-cut", "scale-fusion bounded", "scale-fusion fitted", "network only", "cue only"};
        for (int v = 0; v < names.length; v++) System.out.printf(Locale.ROOT, "MEAN %-24s auc %.3f bacc %.3f%n", names[v], sums[v][0], sums[v][1]);
    }
}
