package example;

import io.gradreg.data.Dataset;
import io.gradreg.data.Synthetic;
import io.gradreg.engine.DType;
import io.gradreg.engine.Engine;
import io.gradreg.method.Loss;
import io.gradreg.method.Method;
import io.gradreg.method.Methods;
import io.gradreg.method.Oracle;
import io.gradreg.method.Update;
import io.gradreg.nn.Models;
import io.gradreg.nn.Net;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;

/** A method in your own loop: the update direction of a batch, applied by hand (plain SGD). */
public final class OwnLoop {
    public static void main(String[] args) {
        Engine.start();
        Dataset train = Synthetic.blobs(512, 20, 10, 1.0, 0, DType.FLOAT32);
        Engine.seed(0);
        Net net = Models.build("mlp:20-64-10", Models.Options.defaults(train.sampleShape(), 10));
        Method sam = Methods.build("sam", Methods.Options.defaults().withRho(0.05));
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 200; step++) {
            try (PointerScope scope = new PointerScope()) {   // frees every tensor the step makes
                Dataset batch = train.slice((step * 64L) % 512, (step * 64L) % 512 + 64);
                Update u = sam.direction(new Oracle(net, Loss.CROSS_ENTROPY, batch.x(), batch.y(), step));
                try (NoGradGuard g = new NoGradGuard()) {
                    for (int i = 0; i < net.params().size(); i++) {
                        net.params().get(i).sub_(u.direction().get(i), new Scalar(0.1));   // θ ← θ − lr·d
                    }
                }
                first = step == 0 ? u.loss() : first;
                last = u.loss();
            }
        }
        System.out.printf("batch loss %.4f -> %.4f after 200 SAM steps%n", first, last);
        if (!(last < 0.5 * first)) {
            throw new IllegalStateException("the loop did not learn");
        }
    }
}
