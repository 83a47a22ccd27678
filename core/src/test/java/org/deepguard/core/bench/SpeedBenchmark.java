package org.deepguard.core.bench;

import org.deepguard.core.Backend;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Speed and memory of the hybrid network (NetworkConfig.defaults) on this machine; driven by bench/run-speed.sh,
 * which runs bench/torch_hybrid.py on the same architecture in the same invocation. Not a test (no Test suffix):
 * mvn test does not run it.
 *
 * <p>Usage: {@code SpeedBenchmark LABEL SIZE ROUNDS} with helpers chosen by the usual switch
 * ({@code -Ddeepguard.onednn=false} for DL4J's built-in layers). Prints one JSON line: images per second for
 * inference at batch 1 and 32 and a training step at batch 32 (median of ROUNDS timed runs after warm-up), and the
 * process's peak RSS.
 */
public final class SpeedBenchmark {
    /** Levers recorded in BENCHMARKS.md, chosen by system properties so one class measures them all. */
    private static final int BATCH = Integer.getInteger("bench.batch", 32);
    private static final WorkspaceMode WORKSPACE = WorkspaceMode.valueOf(System.getProperty("bench.workspace",
            "ENABLED"));
    /** FLOAT, or BFLOAT16 / HALF for inference only (DL4J's oneDNN helpers take float only). */
    /** Inference rows through the folded scoring graph ({@code -Dbench.fold=true}); training is unchanged. */
    private static final boolean FOLD = Boolean.getBoolean("bench.fold");
    private static final DataType DTYPE = DataType.valueOf(System.getProperty("bench.dtype", "FLOAT"));
    /** {@code -Dbench.memtrace=true}: memory per phase (MemoryTrace) on stderr and in the JSON line. */
    private static final boolean MEMTRACE = Boolean.getBoolean("bench.memtrace");

    private SpeedBenchmark() {}

    public static void main(String[] args) throws IOException {
        String label = args.length > 0 ? args[0] : "dl4j";
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;

        MemoryTrace trace = MEMTRACE ? new MemoryTrace(System.err) : null;
        java.util.List<Map<String, Object>> phases = new java.util.ArrayList<>();
        java.util.function.Consumer<String> phase = name -> {
            if (trace != null) {
                phases.add(trace.phase(name));
            }
        };
        Backend.Status status = Backend.init();
        ComputationGraphConfiguration conf = HybridNetwork.configuration(NetworkConfig.defaults(size, 42),
                new Adam(1e-3), null);
        conf.setTrainingWorkspaceMode(WORKSPACE);
        conf.setInferenceWorkspaceMode(WORKSPACE);
        ComputationGraph built = new ComputationGraph(conf);
        built.init();
        ComputationGraph net = DTYPE == DataType.FLOAT ? built : built.convertDataType(DTYPE);
        Nd4j.getRandom().setSeed(1);
        INDArray one = Nd4j.rand(DTYPE, 1, 3, size, size);
        INDArray batch = Nd4j.rand(DTYPE, BATCH, 3, size, size);
        INDArray labels = Nd4j.zeros(DTYPE, BATCH, 2);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % 2, 1);
        }
        MultiDataSet data = new MultiDataSet(new INDArray[] {batch}, new INDArray[] {labels});
        phase.accept("built");

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("impl", label);
        out.put("helpers", Backend.helperLayers(net));
        out.put("backend", status.reason());
        out.put("threads", Nd4j.getExecutioner().getEnvironmentInformation().get("omp.threads"));
        out.put("batch", BATCH);
        // Batch 1 runs are short, so more of them make a stable median.
        // Keys keep the names infer32/train32 whatever bench.batch is, so the report lines them up.
        if (FOLD) {
            // -Dbench.fold=true: inference through the scoring graph that ships (BatchNorm folded into the
            // convolutions, core/model/InferenceGraph), with its largest log-odds difference from the plain graph
            org.deepguard.core.model.InferenceGraph folded =
                    org.deepguard.core.model.InferenceGraph.of(java.util.List.of(net));
            out.put("folded_batchnorms", folded.removedBatchNorms());
            double[] plain = org.deepguard.core.model.Detector.memberMeanLogOdds(java.util.List.of(net), batch);
            double[] fast = folded.meanLogOdds(batch);
            double diff = 0;
            for (int i = 0; i < plain.length; i++) {
                diff = Math.max(diff, Math.abs(plain[i] - fast[i]));
            }
            out.put("folded_max_logodds_diff", diff);
            measure(out, "infer1", 1, 2, Math.max(rounds, 10), () -> folded.meanLogOdds(one));
            measure(out, "infer32", BATCH, 1, rounds, () -> folded.meanLogOdds(batch));
        } else {
            measure(out, "infer1", 1, 2, Math.max(rounds, 10), () -> net.outputSingle(false, one));
            phase.accept("infer1");
            measure(out, "infer32", BATCH, 1, rounds, () -> net.outputSingle(false, batch));
        }
        phase.accept("infer32");
        if (DTYPE == DataType.FLOAT) {
            int[] step = {0};
            measure(out, "train32", BATCH, 2, rounds, () -> {
                net.fit(data);
                phase.accept("fit" + ++step[0]);
            });
        }
        out.put("peak_rss_mb", trace != null ? trace.processPeakMb() : MemoryTrace.peakRssMb());
        if (trace != null) {
            out.put("memory", phases);
            trace.close();
        }
        out.put("heap_mb", (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        System.out.println(Json.line(out));
    }

    /**
     * Puts {@code NAME_ips} (images per wall-clock second, median round), {@code NAME_best_ips} (fastest round) and
     * {@code NAME_cpu_ips} (images per second of process CPU time, all threads, median round). On a shared machine
     * the last two are steadier: the fastest round is the least disturbed, CPU time leaves out waiting for a core.
     */
    private static void measure(Map<String, Object> out, String name, int images, int warmup, int rounds,
                                Runnable step) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        double[] wall = new double[rounds];
        double[] cpu = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long cpu0 = os.getProcessCpuTime();
            long start = System.nanoTime();
            step.run();
            wall[i] = (System.nanoTime() - start) / 1e9;
            cpu[i] = (os.getProcessCpuTime() - cpu0) / 1e9;
        }
        out.put(name + "_ips", images / median(wall));
        out.put(name + "_best_ips", images / Arrays.stream(wall).min().orElseThrow());
        out.put(name + "_cpu_ips", images / median(cpu));
    }

    private static double median(double[] v) {
        double[] t = v.clone();
        Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

}
