package org.deepguard.core.bench;

import org.deepguard.core.Backend;
import org.deepguard.core.io.Hashing;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;

import com.sun.management.OperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a cold one-image detection spends its time: the steps of {@code detect --image} in order, each with the
 * wall and process-CPU milliseconds it took, from JVM start. Not a test. Usage: {@code ColdStartProbe BUNDLE IMAGE};
 * prints one JSON line. Run it in a fresh JVM (bench/cold-start.sh does, with and without the CDS archive).
 */
public final class ColdStartProbe {
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final Map<String, Object> OUT = new LinkedHashMap<>();
    private static long lastWall;
    private static long lastCpu;

    private ColdStartProbe() {}

    private static void step(String name) {
        long wall = System.currentTimeMillis();
        long cpu = OS.getProcessCpuTime() / 1_000_000;
        OUT.put(name + "_ms", wall - lastWall);
        OUT.put(name + "_cpu_ms", cpu - lastCpu);
        lastWall = wall;
        lastCpu = cpu;
    }

    public static void main(String[] args) throws Exception {
        lastWall = ManagementFactory.getRuntimeMXBean().getStartTime();
        lastCpu = 0;
        step("jvm_to_main");
        Path bundleDir = Path.of(args[0]);
        Path image = Path.of(args[1]);
        Backend.init();
        step("nd4j_native_load");
        ModelMetadata meta = ModelBundle.readMetadata(bundleDir);
        for (ModelMetadata.WeightsFile f : meta.ensemble != null ? meta.ensemble
                : java.util.List.of(new ModelMetadata.WeightsFile(meta.weightsFile, meta.weightsSha256))) {
            Hashing.sha256(bundleDir.resolve(f.file()));
        }
        step("hash_alone");
        ModelBundle bundle = ModelBundle.load(bundleDir);
        step("bundle_load");
        Detector detector = new Detector(bundle);
        Detector.PreparedImage prepared = detector.prepare(image);
        step("decode_views_cue");
        double p = detector.predictPrepared(java.util.List.of(prepared)).get(0).pFake();
        step("score_first");
        detector.predictPrepared(java.util.List.of(prepared));
        step("score_again");
        OUT.put("p_fake", p);
        OUT.put("total_ms", System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
        OUT.put("total_cpu_ms", OS.getProcessCpuTime() / 1_000_000);
        System.out.println(Json.line(OUT));
    }
}
