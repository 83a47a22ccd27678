package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility shim, not an ND4J class. DL4J 1.0.0-M2.1's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN()} by reflection, but M2.1 moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method {@code isUseONEDNN()};
 * the failed lookup silently rejects every oneDNN layer helper. This class answers under the old name by
 * delegating to the new one. Reflection keeps core compiling without the CPU backend (the cuda profile).
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();
        private static final String NATIVE = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether the loaded libnd4j runs its oneDNN implementations; false when no CPU backend is present. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> env = Class.forName(NATIVE);
                Object instance = env.getMethod("getInstance").invoke(null);
                Method useOneDnn = env.getMethod("isUseONEDNN");
                return (boolean) useOneDnn.invoke(instance);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
