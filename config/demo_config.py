"""The offline demo: a small synthetic two-class dataset drawn by the demo itself.

`make demo` generates the images (if missing), builds the HDF5 files, trains a small
AlexNet briefly and compares baseline against 10-crop accuracy. Everything is written under
datasets/demo/ and output/demo/ at the repository root.
"""

IMAGES_PATH = "../datasets/demo/train"
DEMO_IMAGES_PER_CLASS = 300
DEMO_CLASSES = ("cat", "dog")
NUM_CLASSES = 2
NUM_VAL_IMAGES = 60
NUM_TEST_IMAGES = 200
IMAGE_SIZE = 72  # small images keep CPU training short

TRAIN_HDF5 = "../datasets/demo/hdf5/train.hdf5"
VAL_HDF5 = "../datasets/demo/hdf5/val.hdf5"
TEST_HDF5 = "../datasets/demo/hdf5/test.hdf5"
OUTPUT_PATH = "../output/demo"
DATASET_MEAN = "../output/demo/demo_mean.json"
OVERWRITE = True  # the demo rebuilds from scratch every time
RANDOM_SEED = 42

# --- AlexNet training (train_alexnet.py, evaluate.py): small enough for a 2-core CPU ------
MODEL_PATH = "../output/demo/alexnet_demo.keras"
CHECKPOINT_PATH = "../output/demo/checkpoints"
INPUT_SIZE = 64  # random 64x64 patches of the 72x72 images (AlexNet's minimum is 63)
DENSE_UNITS = 256  # the paper's 4096 would dominate the run time here
EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.0002
AUGMENTATION = "book"  # the book's rotation, zoom, shifts, shear and flips (docs/SETTINGS.md)
