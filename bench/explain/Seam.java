import org.deepguard.core.explain.*;
import org.deepguard.core.model.*;
import org.deepguard.core.preprocess.Preprocessor;
import java.awt.image.BufferedImage;
import java.nio.file.*;
import java.util.*;

/** Max neighbour step of a Grad-CAM++ mosaic: plain averaging of patch maps vs the Hann-blended PatchBlend. */
public class Seam {
    public static void main(String[] a) throws Exception {
        ModelBundle b = ModelBundle.load(Path.of(a[0]));
        Explainer ex = new Explainer(b);
        int s = ex.inputSize();
        double sumOld = 0, sumNew = 0;
        int n = 0;
        for (int i = 1; i < a.length; i++) {
            BufferedImage rgb = ex.preprocessor().decode(Path.of(a[i])).rgb();
            Preprocessor.PatchGrid g = ex.preprocessor().patchGrid(rgb);
            int w = g.width(), h = g.height();
            double[] sum = new double[w * h]; int[] cnt = new int[w * h];
            PatchBlend blend = new PatchBlend(w, h);
            for (Preprocessor.Patch p : g.patches()) {
                Heatmap m = ex.explain(p.tensor(), null, CamMethod.GRAD_CAM_PLUS_PLUS, 1).upsampled();
                blend.add(m, p.x(), p.y(), p.x() + s, p.y() + s);
                for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) {
                    int at = (p.y() + y) * w + p.x() + x; sum[at] += m.at(x, y); cnt[at]++; }
            }
            for (int k = 0; k < sum.length; k++) sum[k] = cnt[k] == 0 ? 0 : sum[k] / cnt[k];
            double o = step(new Heatmap(w, h, sum)), nw = step(blend.result());
            System.out.printf(Locale.ROOT, "%s: %d patches, max neighbour step: plain average %.3f, blended %.3f%n",
                    Path.of(a[i]).getFileName(), g.patches().size(), o, nw);
            sumOld += o; sumNew += nw; n++;
        }
        System.out.printf(Locale.ROOT, "mean over %d images: plain average %.3f, blended %.3f%n", n, sumOld / n, sumNew / n);
    }

    static double step(Heatmap m) {
        double worst = 0;
        for (int y = 0; y < m.height(); y++) for (int x = 0; x < m.width(); x++) {
            if (x + 1 < m.width()) worst = Math.max(worst, Math.abs(m.at(x + 1, y) - m.at(x, y)));
            if (y + 1 < m.height()) worst = Math.max(worst, Math.abs(m.at(x, y + 1) - m.at(x, y)));
        }
        return worst;
    }
}
