package io.gradreg.repro;

import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.engine.Tensors;
import io.gradreg.io.Json;
import io.gradreg.io.LinePlot;
import io.gradreg.method.GradientRegularization;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Oracle;
import io.gradreg.method.Plain;
import io.gradreg.method.SecondOrder;
import io.gradreg.nn.Net;
import io.gradreg.nn.TwoParam;
import io.gradreg.stats.Stats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Seed 001, the two-parameter model E(a, b) = ½(1 − ab)² from (2.8, 3.5): gradient descent with
 * step h stays within O(h²) of the flow of the modified loss E + (h/4)‖∇E‖² but only within O(h)
 * of the flow of E. Both flows are integrated with RK4 on a step far finer than h; their vector
 * fields are this library's own directions (plain, and GR exact with γ = h/2), so the experiment
 * also checks that GR's implementation is the modified flow of the paper.
 */
public final class IgrTwoParam implements Experiment {
    static final double A0 = 2.8;
    static final double B0 = 3.5;
    /** The time horizon: every h takes T / h steps. */
    static final double T = 0.2;

    @Override
    public String name() {
        return "igr-two-param";
    }

    @Override
    public String claim() {
        return "seed 001: GD with step h follows the modified flow of E + (h/4)||grad E||^2 to O(h^2), the plain flow only to O(h)";
    }

    @Override
    public Report run(Context ctx) {
        Engine.start();
        double[] hs = ctx.quick() ? new double[] {0.02, 0.01, 0.005} : new double[] {0.02, 0.01, 0.005, 0.0025, 0.00125, 0.000625};
        int substeps = ctx.quick() ? 10 : 40;
        Net net = new TwoParam(A0, B0).to(DType.FLOAT64);
        Tensor x = Tensors.fromDoubles(new double[] {1}, 1, 1);
        Tensor y = Tensors.fromDoubles(new double[] {1}, 1, 1);
        Field field = (method, theta) -> {
            try (PointerScope scope = new PointerScope()) {
                net.params().setFromDoubles(theta);
                return method.direction(new Oracle(net, Loss.SQUARED_ERROR, x, y, 0)).direction().toDoubles();
            }
        };

        List<Map<String, Object>> rows = new ArrayList<>();
        double[] errPlain = new double[hs.length];
        double[] errModified = new double[hs.length];
        Map<String, double[][]> paths = new LinkedHashMap<>();
        for (int i = 0; i < hs.length; i++) {
            double h = hs[i];
            int n = (int) Math.round(T / h);
            double[][] gd = descend(field, h, n);
            double[][] flow = integrate(field, new Plain(), h, n, substeps);
            double[][] modified = integrate(field, new GradientRegularization(h / 2, 0, SecondOrder.EXACT, false), h, n, substeps);
            errPlain[i] = dist(gd[n], flow[n]);
            errModified[i] = dist(gd[n], modified[n]);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("h", h);
            row.put("steps", n);
            row.put("gd", gd[n]);
            row.put("error_to_plain_flow", errPlain[i]);
            row.put("error_to_modified_flow", errModified[i]);
            rows.add(row);
            ctx.log().printf("h = %-9s %5d steps  |GD - flow| = %.3e  |GD - modified flow| = %.3e%n", h, n, errPlain[i], errModified[i]);
            if (i == 0) {
                paths.put("gd", gd);
                paths.put("flow", flow);
                paths.put("modified", modified);
            }
        }
        double slopePlain = Stats.logLogSlope(hs, errPlain);
        double slopeModified = Stats.logLogSlope(hs, errModified);
        boolean closer = true;
        for (int i = 0; i < hs.length; i++) {
            closer &= errModified[i] < errPlain[i];
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("start", new double[] {A0, B0});
        out.put("T", T);
        out.put("rows", rows);
        out.put("slope_plain", slopePlain);
        out.put("slope_modified", slopeModified);
        Json.writeFile(ctx.out().resolve("igr-two-param.json"), out);
        plots(ctx, hs, errPlain, errModified, paths);

        boolean ok = closer && Math.abs(slopePlain - 1) < 0.2 && Math.abs(slopeModified - 2) < 0.3;
        String verdict = (ok ? "reproduced" : "not reproduced") + String.format(
                ": log-log slopes %.2f (plain flow, expected 1) and %.2f (modified flow, expected 2); GD is closer to the modified flow for %s h",
                slopePlain, slopeModified, closer ? "every" : "not every");
        StringBuilder md = new StringBuilder();
        md.append(String.format("E(a, b) = ½(1 − ab)², start (%.1f, %.1f), horizon T = %s (T/h steps), flows by RK4 with h/%d substeps, float64.%n%n",
                A0, B0, T, substeps));
        md.append("| h | steps | ‖GD − plain flow‖ | ‖GD − modified flow‖ | ratio |\n|---|---|---|---|---|\n");
        for (int i = 0; i < hs.length; i++) {
            md.append(String.format("| %s | %d | %.3e | %.3e | %.1f |%n", hs[i], Math.round(T / hs[i]), errPlain[i], errModified[i], errPlain[i] / errModified[i]));
        }
        md.append(String.format("%nFitted log-log slopes: plain flow %.3f, modified flow %.3f.%n%n", slopePlain, slopeModified));
        md.append("![errors](errors.png) ![paths](paths.png)\n");
        return new Report(verdict, md.toString());
    }

    interface Field {
        double[] at(Method m, double[] theta);
    }

    static double[][] descend(Field f, double h, int n) {
        double[][] path = new double[n + 1][];
        path[0] = new double[] {A0, B0};
        for (int k = 0; k < n; k++) {
            path[k + 1] = axpy(path[k], -h, f.at(new Plain(), path[k]));
        }
        return path;
    }

    /** RK4 on θ' = −d(θ) from the start, recorded at the times kh. */
    static double[][] integrate(Field f, Method m, double h, int n, int substeps) {
        double dt = h / substeps;
        double[][] path = new double[n + 1][];
        double[] t = {A0, B0};
        path[0] = t;
        for (int k = 0; k < n; k++) {
            for (int s = 0; s < substeps; s++) {
                double[] k1 = f.at(m, t);
                double[] k2 = f.at(m, axpy(t, -dt / 2, k1));
                double[] k3 = f.at(m, axpy(t, -dt / 2, k2));
                double[] k4 = f.at(m, axpy(t, -dt, k3));
                double[] next = t.clone();
                for (int i = 0; i < t.length; i++) {
                    next[i] -= dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
                }
                t = next;
            }
            path[k + 1] = t;
        }
        return path;
    }

    private static void plots(Context ctx, double[] hs, double[] errPlain, double[] errModified, Map<String, double[][]> paths) {
        Figures.igrTwoParamErrors(ctx.out());
        LinePlot p = LinePlot.titled("Paths in (a, b), h = " + hs[0]).xLabel("a").yLabel("b");
        paths.forEach((name, path) -> p.series(name, column(path, 0), column(path, 1)));
        double[] a = new double[50];
        double[] b = new double[50];
        for (int i = 0; i < 50; i++) {
            a[i] = 0.3 + i * 0.06;
            b[i] = 1 / a[i];
        }
        p.series("minima ab = 1", a, b).write(ctx.out().resolve("paths.png"));
    }

    private static double[] column(double[][] m, int c) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i][c];
        }
        return out;
    }

    private static double[] axpy(double[] x, double a, double[] y) {
        double[] out = x.clone();
        for (int i = 0; i < x.length; i++) {
            out[i] += a * y[i];
        }
        return out;
    }

    private static double dist(double[] p, double[] q) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += (p[i] - q[i]) * (p[i] - q[i]);
        }
        return Math.sqrt(s);
    }
}
