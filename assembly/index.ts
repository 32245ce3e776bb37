export * from "./heap";
export * from "./stats";
export * from "./gemm";
export * from "./activations";
export * from "./dropout";
export * from "./loss";
export * from "./optim";
export * from "./peak";
