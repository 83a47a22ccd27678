import org.deepguard.core.data.*;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.*;
import org.deepguard.core.model.*;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.spectral.*;
import org.deepguard.core.train.Augmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.*;
/** Offline: the 0.5 knot fitted on copies of (val | train+val) images, with the cue in-sample or out of fold. */
public class KnotSources {
    record Img(boolean fake, String group, boolean val, double[] netDown, double[][] featDown, double[] featClean) {}
    public static void main(String[] args) throws Exception {
        double factor = 0.5;
        Perturbation half = null;
        for (Perturbation p : Perturbation.standard()) if (p.label().equals("resize=0.5")) half = p;
        String[] names = {"current (stored knot)", "val copies, cue refit (=current rule)", "val copies, cue OOF", "train+val copies, cue refit", "train+val copies, cue OOF", "train copies only, cue OOF"};
        double[][] sums = new double[names.length][2];
        for (String arg : args) {
            Path fold = Path.of(arg);
            ModelBundle bundle = ModelBundle.load(fold);
            Detector d = new Detector(bundle);
            ModelMetadata meta = bundle.metadata();
            SpectralClassifier cue = meta.spectral;
            double T = meta.temperature, thr = meta.threshold, thrZ = T * Math.log(thr / (1 - thr));
            Manifest m = Manifest.read(fold.resolve("manifest.csv"));
            var down = Augmenter.downscale(factor);
            List<Img> imgs = new ArrayList<>();
            for (Split s : new Split[] {Split.TRAIN, Split.VAL}) {
                for (ManifestEntry e : m.usable(s)) {
                    BufferedImage img = ImageLoader.load(m.resolve(e)).rgb();
                    double[] net = new double[2]; double[][] feats = new double[2][];
                    for (int c = 0; c < 2; c++) {
                        BufferedImage x = down.degrade(img, new SplittableRandom(Augmenter.imageKey(Path.of(e.path())) + 77 * c));
                        net[c] = ScoreBreakdown.of(d, x).networkLogOdds();
                        feats[c] = SpectralClassifier.features(x, cue.config(), cue.resampling());
                    }
                    imgs.add(new Img(e.label() == Label.FAKE, e.groupKey(), s == Split.VAL, net, feats,
                        SpectralClassifier.features(img, cue.config(), cue.resampling())));
                }
            }
            // group out-of-fold cues (K = 5) on clean features of train+val; and a cue on train only (the held-out one for val)
            int K = 5;
            SpectralClassifier[] oof = new SpectralClassifier[K];
            for (int f = 0; f < K; f++) {
                List<double[]> x = new ArrayList<>(); List<Boolean> y = new ArrayList<>();
                for (Img im : imgs) if (Math.floorMod(im.group.hashCode(), K) != f) { x.add(im.featClean); y.add(im.fake); }
                oof[f] = fit(x, y, cue);
            }
            List<double[]> xt = new ArrayList<>(); List<Boolean> yt = new ArrayList<>();
            for (Img im : imgs) if (!im.val) { xt.add(im.featClean); yt.add(im.fake); }
            SpectralClassifier trainOnly = fit(xt, yt, cue);
            // test
            List<Double> tz = new ArrayList<>(); List<Boolean> ty = new ArrayList<>(); int side = 0; int i = 0;
            for (ManifestEntry e : m.usable(Split.TEST)) {
                BufferedImage x = half.apply(ImageLoader.load(m.resolve(e)).rgb(), 1234 + i++);
                ScoreBreakdown b = ScoreBreakdown.of(d, x);
                tz.add(meta.fusion.fuse(b.networkLogOdds(), b.cueLogOdds())); ty.add(e.label() == Label.FAKE);
                side = Math.min(x.getWidth(), x.getHeight());
            }
            boolean[] TY = new boolean[ty.size()]; for (int k = 0; k < TY.length; k++) TY[k] = ty.get(k);
            StringBuilder sb = new StringBuilder(fold.getFileName().toString());
            for (int v = 0; v < names.length; v++) {
                double off;
                if (v == 0) off = meta.scaleCalibration.offset(side);
                else {
                    List<Double> z = new ArrayList<>(); List<Boolean> y = new ArrayList<>();
                    for (Img im : imgs) {
                        if ((v <= 2 && !im.val) || (v == 5 && im.val)) continue;
                        for (int c = 0; c < 2; c++) {
                            SpectralClassifier cc = switch (v) { case 1, 3 -> cue; case 2 -> trainOnly; default -> oof[Math.floorMod(im.group.hashCode(), K)]; };
                            z.add(meta.fusion.fuse(im.netDown[c], cc.logOddsOfFeatures(im.featDown[c]))); y.add(im.fake);
                        }
                    }
                    double[] Z = z.stream().mapToDouble(Double::doubleValue).toArray();
                    boolean[] Y = new boolean[y.size()]; for (int k = 0; k < Y.length; k++) Y[k] = y.get(k);
                    off = thrZ - Calibration.balancedCut(Z, Y);
                }
                double[] p = new double[TY.length];
                for (int k = 0; k < p.length; k++) p[k] = 1 / (1 + Math.exp(-(tz.get(k) + off) / T));
                double bacc = BinaryMetrics.confusion(TY, p, thr).balancedAccuracy();
                double best = 0; for (double t = 0.01; t < 1; t += 0.005) best = Math.max(best, BinaryMetrics.confusion(TY, p, t).balancedAccuracy());
                sums[v][0] += bacc / args.length; sums[v][1] += best / args.length;
                sb.append(String.format(Locale.ROOT, "%n   %-40s bacc %.3f off %6.2f", names[v], bacc, off));
            }
            System.out.println(sb);
        }
        for (int v = 0; v < names.length; v++) System.out.printf(Locale.ROOT, "MEAN %-40s bacc %.3f (oracle %.3f)%n", names[v], sums[v][0], sums[v][1]);
    }
    static SpectralClassifier fit(List<double[]> x, List<Boolean> y, SpectralClassifier like) {
        boolean[] Y = new boolean[y.size()]; for (int k = 0; k < Y.length; k++) Y[k] = y.get(k);
        return SpectralClassifier.fitFeatures(x.toArray(double[][]::new), Y, like.config(), like.resampling(), SpectralClassifier.DEFAULT_L2);
    }
}
