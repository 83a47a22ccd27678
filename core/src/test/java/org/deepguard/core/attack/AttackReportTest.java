package org.deepguard.core.attack;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttackReportTest {
    /** Two fakes then two reals, all called correctly on the clean image (threshold 0). */
    static final double[] CLEAN = {3, 2, -3, -2};

    static AttackSuite.Results results(double[] pgd, double[] other, String otherName) {
        List<AttackSuite.Example> ex = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ex.add(new AttackSuite.Example("img" + i, new Pixels(1, 1, new double[3]), i < 2));
        }
        Map<String, double[]> clean = new LinkedHashMap<>();
        clean.put(AttackReport.MAIN, CLEAN);
        Map<String, Double> thr = new LinkedHashMap<>();
        thr.put(AttackReport.MAIN, 0.0);
        int[] ones = {1, 1, 1, 1};
        double[] linf = {2, 2, 2, 2};
        List<AttackSuite.Run> runs = List.of(
                new AttackSuite.Run(AttackReport.MAIN, "pgd", 2, pgd, ones, ones, linf),
                new AttackSuite.Run(AttackReport.MAIN, otherName, 2, other, ones, ones, linf));
        return new AttackSuite.Results(ex, clean, thr, runs, Map.of());
    }

    static AttackReport.Check check(AttackSuite.Results res, String name) {
        return AttackReport.checks(res, AttackReport.rows(res)).stream().filter(c -> c.name().equals(name))
                .findFirst().orElseThrow();
    }

    @Test
    void aFlippedVerdictIsAWinHoweverFarTheOtherAttackWent() {
        // PGD flips all four; transfer flips them too and pushes one real further past the threshold
        AttackSuite.Results res = results(new double[] {-1, -1, 0.6, 0.5}, new double[] {-1, -1, 0.9, 0.5},
                "transfer");
        assertTrue(check(res, "white_box_beats_transfer").passed());
    }

    @Test
    void anotherAttackFlippingWhatPgdDoesNotIsFlagged() {
        // transfer flips the second real, PGD does not: possible gradient masking (3 of 4 < 90%)
        AttackSuite.Results res = results(new double[] {-1, -1, 0.6, -0.5}, new double[] {-1, -1, 0.6, 0.2},
                "transfer");
        AttackReport.Check c = check(res, "white_box_beats_transfer");
        assertFalse(c.passed());
        assertTrue(c.detail().contains("75%") && c.detail().contains("gradient masking"), c.detail());
    }

    @Test
    void withNeitherFlippingTheOneThatGotCloserWins() {
        // no attack flips anything; square gets closer on one fake
        AttackSuite.Results close = results(new double[] {1, 1, -1, -1}, new double[] {0.5, 1, -1, -1}, "square");
        assertFalse(check(close, "white_box_beats_square").passed());
        AttackSuite.Results far = results(new double[] {0.4, 1, -1, -1}, new double[] {0.5, 1, -1, -1}, "square");
        assertTrue(check(far, "white_box_beats_square").passed());
        // and the success rates follow the threshold
        AttackReport.Row pgd = AttackReport.rowOf(AttackReport.rows(far), AttackReport.MAIN, "pgd", 2);
        assertEquals(0.0, pgd.success(), 0);
        assertEquals(2, pgd.fakesCorrect());
    }
}
