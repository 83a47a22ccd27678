import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.spectral.*;
import java.awt.image.BufferedImage;
import java.nio.file.*;
import java.util.*;

/** Raw cue features of every dev image, clean and under jpeg75 / resize0.5 / chain. */
public class CueFeatures {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        List<String> lines = Files.readAllLines(root.resolve("manifest.csv"));
        List<Perturbation> conds = new ArrayList<>();
        conds.add(null);
        for (Perturbation p : Perturbation.standard()) conds.add(p);
        SpectrumConfig sc = SpectrumConfig.defaults();
        ResamplingConfig rc = ResamplingConfig.defaults();
        int i = 0;
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            BufferedImage img = ImageLoader.load(root.resolve(f[0])).rgb();
            for (Perturbation c : conds) {
                BufferedImage x = c == null ? img : c.apply(img, 1234 + i);
                double[] s = SpectrumFeatures.of(x, sc);
                double[] r = ResamplingFeatures.of(x, rc);
                StringBuilder b = new StringBuilder();
                b.append(f[0]).append(',').append(f[1]).append(',').append(f[2]).append(',').append(f[3]).append(',').append(c == null ? "clean" : c.label());
                for (double v : s) b.append(',').append(String.format(Locale.ROOT, "%.5f", v));
                b.append(",|");
                for (double v : r) b.append(',').append(String.format(Locale.ROOT, "%.5f", v));
                System.out.println(b);
            }
            i++;
        }
    }
}
