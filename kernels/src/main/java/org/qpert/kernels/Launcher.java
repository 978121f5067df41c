package org.qpert.kernels;

/** Queues one kernel of our PTX: {@link CudaContext} on the device, a recording stand-in in the signature test. */
interface Launcher {
    /**
     * Launches kernel {@code entry} of module (.cu file) {@code module} on a grid of {@code grid.x() × grid.y()} blocks;
     * nothing is launched for an empty grid.
     */
    void launch(String module, String entry, Grid grid, KernelArgs args);

    /**
     * @param x, y        blocks in each grid dimension
     * @param block       threads per block
     * @param sharedBytes dynamic shared memory per block
     */
    record Grid(int x, int y, int block, int sharedBytes) {
        static Grid of(int x, int block) {
            return new Grid(x, 1, block, 0);
        }
    }
}
