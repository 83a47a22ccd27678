package org.deepguard.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;

/**
 * A progress bar (count, rate, ETA) on the command's error stream. On a terminal it redraws in place; in logs
 * (no console) it prints a line at most every 10 s. Silent with --quiet.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static Progress start(String task, long total, PrintWriter err, boolean quiet) {
        if (quiet) {
            return new Progress(null);
        }
        boolean interactive = System.console() != null;
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(interactive ? 250 : 10_000)
                .showSpeed(new java.text.DecimalFormat("0.0"))
                .setConsumer(new WriterConsumer(err, interactive))
                .build();
        return new Progress(bar);
    }

    public void step() {
        stepBy(1);
    }

    public void stepBy(long n) {
        if (bar != null) {
            bar.stepBy(n);
        }
    }

    public void message(String extra) {
        if (bar != null) {
            bar.setExtraMessage(extra);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    private static final class WriterConsumer implements ProgressBarConsumer {
        private final PrintWriter err;
        private final boolean interactive;
        private String last = "";

        WriterConsumer(PrintWriter err, boolean interactive) {
            this.err = err;
            this.interactive = interactive;
        }

        @Override
        public int getMaxRenderedLength() {
            return 160;
        }

        @Override
        public void accept(String rendered) {
            if (interactive) {
                err.print('\r');
                err.print(rendered);
            } else if (!rendered.strip().equals(last)) { // the closing render repeats the last line in logs
                last = rendered.strip();
                err.println(last);
            }
            err.flush();
        }

        @Override
        public void close() {
            if (interactive) {
                err.println();
            }
            err.flush();
        }
    }
}
