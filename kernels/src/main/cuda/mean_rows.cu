// Mean over the rows of x [rows, cols] -> y [cols], summed in double like the CPU reference; one thread per column.
extern "C" __global__ void mean_rows(float* y, const float* x, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    double s = 0.0;
    for (int r = 0; r < rows; r++) s += x[(long long) r * cols + c];
    y[c] = (float) (s / rows);
}
