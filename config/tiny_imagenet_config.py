"""Tiny ImageNet (200 classes, 64x64): DeeperGoogLeNet or ResNet from scratch, as the book.

Unzip tiny-imagenet-200.zip into datasets/tiny-imagenet-200/ at the repository root. The
official validation set (val/images, labelled by val/val_annotations.txt) is the test
split; the validation split is carved from train/.
"""

IMAGES_PATH = "../datasets/tiny-imagenet-200/train"  # train/<wnid>/images/*.JPEG
NUM_CLASSES = 200
NUM_VAL_IMAGES = 10_000  # 50 per class, carved from train/
TEST_FOLDER = "../datasets/tiny-imagenet-200/val/images"
TEST_LABELS_FILE = "../datasets/tiny-imagenet-200/val/val_annotations.txt"
LABELS_COLUMNS = (0, 1)  # file name, wnid; tab-separated, no header
IMAGE_SIZE = 64
RESIZE = "plain"  # the images are already 64x64

TRAIN_HDF5 = "../datasets/tiny-imagenet-200/hdf5/train.hdf5"
VAL_HDF5 = "../datasets/tiny-imagenet-200/hdf5/val.hdf5"
TEST_HDF5 = "../datasets/tiny-imagenet-200/hdf5/test.hdf5"
DATASET_MEAN = "../output/tiny_imagenet/mean.json"
OUTPUT_PATH = "../output/tiny_imagenet"

NETWORK = "DeeperGoogLeNet"  # or "ResNet" with NETWORK_ARGS below
# NETWORK_ARGS = {"stages": (3, 4, 6), "filters": (64, 128, 256, 512), "dataset": "tiny_imagenet"}
INPUT_SIZE = 64
MODEL_PATH = "../output/tiny_imagenet/deepergooglenet.keras"
EPOCHS = 70
BATCH_SIZE = 64
OPTIMIZER = "adam"
LEARNING_RATE = 1e-3
LR_SCHEDULE = "poly"
WEIGHT_DECAY = 0.0005
AUGMENTATION = {
    "rotation_range": 18,
    "zoom_range": 0.15,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.15,
    "horizontal_flip": True,
}
