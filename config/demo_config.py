"""The offline demo: a small synthetic two-class dataset drawn by the demo itself.

`make demo` generates the images (if missing), builds the HDF5 files, trains a small
AlexNet briefly and compares baseline against 10-crop accuracy. Everything is written under
datasets/demo/ and output/demo/ at the repository root.
"""

IMAGES_PATH = "../datasets/demo/train"
DEMO_IMAGES_PER_CLASS = 200
DEMO_CLASSES = ("cat", "dog")
NUM_CLASSES = 2
NUM_VAL_IMAGES = 40
NUM_TEST_IMAGES = 80
IMAGE_SIZE = 72  # small images keep CPU training short

TRAIN_HDF5 = "../datasets/demo/hdf5/train.hdf5"
VAL_HDF5 = "../datasets/demo/hdf5/val.hdf5"
TEST_HDF5 = "../datasets/demo/hdf5/test.hdf5"
OUTPUT_PATH = "../output/demo"
DATASET_MEAN = "../output/demo/demo_mean.json"
OVERWRITE = True  # the demo rebuilds from scratch every time
RANDOM_SEED = 42
