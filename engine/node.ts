// The engine's Node-only part: reading and writing files (.npy, MNIST/FashionMNIST IDX, CIFAR-10 batches, the
// mnist package's digits) and the figures as SVG files. Import it as layerwise-webgpu/node.
export { readNpyFile, writeNpyFile } from './io/npy-file';
export { readIdxFile, readCifarDir, loadMnist } from './data/image-files';
export { renderFiguresToFiles } from './report/svg-node';
