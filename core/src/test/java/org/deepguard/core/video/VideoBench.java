package org.deepguard.core.video;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TestVideos;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Throughput numbers for the video issue (run by hand, not a test): decoding a generated 640x480 30 fps clip, and
 * scoring frames at 128 px with the default-size (ResNet50 + CNN) network, untrained.
 * Usage: VideoBench [frames] [scoredFrames] [full] (with a third argument, also the whole detect pipeline)
 */
public final class VideoBench {
    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int scored = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path dir = Files.createTempDirectory("videobench");
        BufferedImage base = TestImages.texture(720, 3);
        long t0 = System.nanoTime();
        Path clip = TestVideos.mp4(dir.resolve("clip.mp4"), frames, 30,
                i -> base.getSubimage(i % 80, (2 * i) % 60, 640, 480));
        System.out.printf(Locale.ROOT, "encoded %d frames 640x480 mpeg4 in %.1f s (%d bytes)%n", frames,
                (System.nanoTime() - t0) / 1e9, Files.size(clip));

        for (int rep = 0; rep < 2; rep++) {
            t0 = System.nanoTime();
            long n;
            try (VideoReader r = VideoReader.open(clip)) {
                n = r.read(new FrameSampling.Every(Integer.MAX_VALUE), (i, t, img) -> { });
            }
            double decodeOnly = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            try (VideoReader r = VideoReader.open(clip)) {
                r.read(new FrameSampling.Every(1), (i, t, img) -> { });
            }
            double withRgb = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "decode: %.0f frames/s (decode only), %.0f frames/s (+ BufferedImage)%n",
                    n / decodeOnly, n / withRgb);
        }

        ModelMetadata meta = new ModelMetadata();
        meta.network = NetworkConfig.defaults(128, 1);
        meta.preprocessing = Preprocessing.defaults(128);
        Detector detector = new Detector(new ModelBundle(dir, meta, HybridNetwork.build(meta.network)));
        BufferedImage frame = base.getSubimage(0, 0, 640, 480);
        java.util.List<float[]> tensors = new java.util.ArrayList<>();
        t0 = System.nanoTime();
        for (int i = 0; i < 16; i++) {
            tensors.add(detector.preprocessor().toTensor(frame));
        }
        System.out.printf(Locale.ROOT, "preprocess 640x480 -> 128: %.1f ms/frame%n", (System.nanoTime() - t0) / 1e6 / 16);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int rep = 0; rep < 3; rep++) {
            t0 = System.nanoTime();
            long cpu0 = os.getProcessCpuTime();
            detector.predictTensors(tensors);
            System.out.printf(Locale.ROOT, "network batch 16 at 128: %.2f frames/s wall, %.2f frames per CPU-second, "
                            + "load %.1f%n", 16 / ((System.nanoTime() - t0) / 1e9),
                    16 / ((os.getProcessCpuTime() - cpu0) / 1e9), os.getSystemLoadAverage());
        }
        int every = Math.max(1, frames / scored);
        for (int rep = 0; rep < (args.length > 2 ? 2 : 0); rep++) {
            VideoResult r = new VideoDetector(detector, new FrameSampling.Every(every), Aggregation.meanLogit(), 16)
                    .detect(clip);
            System.out.printf(Locale.ROOT, "score at 128 px: %d frames in %.2f s = %.1f frames/s (preprocess + "
                            + "network, batch 16); decode of %d frames %.2f s; verdict %s p=%.4f%n",
                    r.frames().size(), r.scoreSeconds(), r.frames().size() / r.scoreSeconds(), r.framesDecoded(),
                    r.decodeSeconds(), r.verdict().verdict(), r.verdict().pFake());
        }
    }
}
