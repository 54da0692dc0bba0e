"""CIFAR-10-sized data (32x32, 10 classes, one folder per class): MiniGoogLeNet, as the book.

Put the images as datasets/cifar10/train/<class>/*.png (e.g. exported from the Keras
dataset); the validation and test splits are carved from them.
"""

IMAGES_PATH = "../datasets/cifar10/train"
NUM_CLASSES = 10
NUM_VAL_IMAGES = 5_000
NUM_TEST_IMAGES = 10_000
IMAGE_SIZE = 32
RESIZE = "plain"

TRAIN_HDF5 = "../datasets/cifar10/hdf5/train.hdf5"
VAL_HDF5 = "../datasets/cifar10/hdf5/val.hdf5"
TEST_HDF5 = "../datasets/cifar10/hdf5/test.hdf5"
DATASET_MEAN = "../output/cifar10/mean.json"
OUTPUT_PATH = "../output/cifar10"

NETWORK = "MiniGoogLeNet"
INPUT_SIZE = 32  # whole images: no random patch
MODEL_PATH = "../output/cifar10/minigooglenet.keras"
EPOCHS = 70
BATCH_SIZE = 64
OPTIMIZER = "sgd"
MOMENTUM = 0.9
LEARNING_RATE = 5e-3
LR_SCHEDULE = "poly"
LR_POWER = 1.0
WEIGHT_DECAY = 0.0005
AUGMENTATION = {"width_shift_range": 0.1, "height_shift_range": 0.1, "horizontal_flip": True}
