package org.deepguard.core.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CosineScheduleTest {
    @Test
    void warmsUpLinearlyThenDecaysAlongACosine() {
        CosineSchedule s = new CosineSchedule(1.0, 0.0, 4, 14);
        assertEquals(0.25, s.valueAt(0, 0), 1e-12);
        assertEquals(0.50, s.valueAt(1, 0), 1e-12);
        assertEquals(1.00, s.valueAt(3, 0), 1e-12);
        assertEquals(1.00, s.valueAt(4, 0), 1e-12); // decay starts at progress 0
        assertEquals(0.50, s.valueAt(9, 0), 1e-12); // halfway through 10 decay steps: cos(pi/2)
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.8)), s.valueAt(12, 0), 1e-12);
        assertEquals(0.0, s.valueAt(14, 0), 1e-12);
        assertEquals(0.0, s.valueAt(1000, 0), 1e-12);
    }

    @Test
    void aSecondPhaseStartsItsOwnCurveAtItsStartIteration() {
        CosineSchedule phase2 = new CosineSchedule(0.1, 0.001, 2, 10, 50);
        assertEquals(0.05, phase2.valueAt(50, 0), 1e-12);
        assertEquals(0.1, phase2.valueAt(52, 0), 1e-12);
        assertEquals(0.001, phase2.valueAt(60, 0), 1e-12);
        assertEquals(0.001 + 0.5 * 0.099, phase2.valueAt(56, 0), 1e-12);
    }

    @Test
    void equalityIsByValue() {
        assertEquals(new CosineSchedule(1, 0, 2, 10), new CosineSchedule(1, 0, 2, 10));
        assertNotEquals(new CosineSchedule(1, 0, 2, 10), new CosineSchedule(1, 0, 2, 10, 1));
    }
}
