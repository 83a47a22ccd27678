package org.deepguard.core.bench;

import org.nd4j.linalg.api.memory.AllocationsTracker;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace;
import org.nd4j.linalg.api.memory.enums.AllocationKind;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a benchmark process's memory sits, phase by phase: resident set (now and its peak within the phase, from a
 * 10 ms sampler), ND4J's own count of the native bytes it holds (AllocationsTracker: general arrays, constants, workspaces), the Java heap, and the
 * ND4J workspaces of the calling thread with their sizes. For finding what holds memory, not a test.
 *
 * <p>The phase peak comes from the sampler and from the kernel's own high-water mark, which {@link #phase} resets
 * through {@code /proc/self/clear_refs} (value 5) where the kernel allows it, so a short spike between two samples
 * is still seen. The whole process's peak is the largest phase peak ({@link #processPeakMb}).
 */
final class MemoryTrace implements AutoCloseable {
    private final PrintStream log;
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long peakRssKb;
    private volatile long peakNativeBytes;
    private long processPeakKb;
    private final boolean hwmReset;

    MemoryTrace(PrintStream log) {
        this.log = log;
        this.hwmReset = resetHwm();
        this.sampler = new Thread(() -> {
            while (running) {
                peakRssKb = Math.max(peakRssKb, status("VmRSS:"));
                peakNativeBytes = Math.max(peakNativeBytes, nd4jBytes());
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "memory-trace");
        sampler.setDaemon(true);
        sampler.start();
    }

    /**
     * Ends a phase: returns (and prints one line on the log) its figures in MB, then starts the next phase's peaks
     * from the current values.
     */
    Map<String, Object> phase(String name) {
        long hwm = status("VmHWM:");
        long peak = Math.max(peakRssKb, hwmReset ? hwm : 0);
        processPeakKb = Math.max(processPeakKb, Math.max(peak, hwmReset ? 0 : hwm));
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", name);
        m.put("rss_mb", status("VmRSS:") >> 10);
        m.put("phase_peak_rss_mb", peak >> 10);
        m.put("nd4j_phase_peak_mb", peakNativeBytes >> 20);
        for (AllocationKind kind : AllocationKind.values()) {
            m.put("nd4j_" + kind.name().toLowerCase(java.util.Locale.ROOT) + "_mb",
                    AllocationsTracker.getInstance().bytesOnDevice(kind, 0) >> 20);
        }
        m.put("heap_used_mb", (rt.totalMemory() - rt.freeMemory()) >> 20);
        m.put("heap_committed_mb", rt.totalMemory() >> 20);
        Map<String, String> ws = new LinkedHashMap<>();
        long wsTotal = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            long size = w.getCurrentSize();
            wsTotal += size;
            if (size > 0) {
                String extra = "";
                if (w instanceof Nd4jWorkspace n) {
                    extra = " maxcycle " + (n.getMaxCycleAllocations() >> 20) + " spilled " + (n.getSpilledSize() >> 20)
                            + " pinned " + (n.getPinnedSize() >> 20) + " cycles " + n.getCyclesCount();
                }
                ws.put(w.getId(), (size >> 20) + extra);
            }
        }
        m.put("workspaces_mb", wsTotal >> 20);
        m.put("workspace_sizes_mb", ws);
        log.println("mem " + org.deepguard.core.io.Json.line(m));
        peakRssKb = status("VmRSS:");
        peakNativeBytes = nd4jBytes();
        resetHwm();
        return m;
    }

    /** The largest resident set seen over all phases so far, in MB. */
    long processPeakMb() {
        return Math.max(processPeakKb, hwmReset ? 0 : status("VmHWM:")) >> 10;
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }

    /** Native bytes ND4J's allocation tracker counts, all kinds (general arrays, constants, workspaces). */
    private static long nd4jBytes() {
        return AllocationsTracker.getInstance().bytesOnDevice(0);
    }

    private static boolean resetHwm() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** VmHWM: the process's resident-set high-water mark in MB, native (ND4J) memory included; -1 off Linux. */
    static long peakRssMb() {
        try {
            return status("VmHWM:") >> 10;
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** A kB field of /proc/self/status. */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
