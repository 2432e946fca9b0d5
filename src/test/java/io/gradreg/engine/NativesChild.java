package io.gradreg.engine;

import java.nio.file.Path;
import java.util.Set;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * A child JVM of {@link BundledNativesTest}: "engine" starts libtorch as gradreg does; "control"
 * lets JavaCPP load it in its own order. Prints the guarded libraries mapped from outside the
 * cache ("foreign PATH"), or "bundled only".
 */
public final class NativesChild {
    private NativesChild() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("engine")) {
            Engine.start(1);
        }
        torch.randn(4, 4).matmul(torch.randn(4, 4)).sum().item_double();
        Set<String> foreign = Natives.foreign(Natives.mappedLibraries(), Path.of(Loader.getCacheDir().getAbsolutePath()).toRealPath());
        foreign.forEach(p -> System.out.println("foreign " + p));
        if (foreign.isEmpty()) {
            System.out.println("bundled only");
        }
    }
}
