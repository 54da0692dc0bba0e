"""Kaggle Dogs vs. Cats: the book's experiment, every script reads this one file.

Put Kaggle's train.zip contents (25,000 images: cat.0.jpg ... dog.12499.jpg) in
datasets/kaggle_dogs_vs_cats/train/ at the repository root, or point IMAGES_PATH at them.
Relative paths are relative to this file's folder.
"""

# --- dataset (build_dataset.py) ---------------------------------------------------------
IMAGES_PATH = "../datasets/kaggle_dogs_vs_cats/train"
NUM_CLASSES = 2
NUM_VAL_IMAGES = 1250 * NUM_CLASSES  # 2,500 images
NUM_TEST_IMAGES = 1250 * NUM_CLASSES  # 2,500 images
IMAGE_SIZE = 256  # stored images are 256x256 RGB uint8

TRAIN_HDF5 = "../datasets/kaggle_dogs_vs_cats/hdf5/train.hdf5"
VAL_HDF5 = "../datasets/kaggle_dogs_vs_cats/hdf5/val.hdf5"
TEST_HDF5 = "../datasets/kaggle_dogs_vs_cats/hdf5/test.hdf5"

OUTPUT_PATH = "../output"
DATASET_MEAN = "../output/dogs_vs_cats_mean.json"
RANDOM_SEED = 42

# --- AlexNet training (train_alexnet.py, evaluate.py) -------------------------------------
MODEL_PATH = "../output/alexnet_dogs_vs_cats.keras"
CHECKPOINT_PATH = "../output/checkpoints"
INPUT_SIZE = 227
EPOCHS = 75
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.0002
AUGMENTATION = "book"  # the book's rotation, zoom, shifts, shear and flips (docs/SETTINGS.md)
DENSE_UNITS = 4096  # the paper's fully connected layers
MEAN_IN_MODEL = True  # uint8 batches, the model subtracts the mean (faster feeding)
EVAL_BATCH_SIZE = 256  # network inputs per predict call in evaluate.py (10-crop: 25 images)

# --- transfer learning (extract_features.py, train_logreg.py, predict.py) -----------------
# extract_features.py reads IMAGES_PATH (a folder, or a builder HDF5 such as TRAIN_HDF5).
BACKBONE = "ResNet50"  # any keras.applications name: VGG16, InceptionV3, Xception, ...
WEIGHTS = "imagenet"  # or None, or a local file: "../weights/resnet50_notop.weights.h5"
FEATURE_IMAGE_SIZE = None  # None: the network's own input size (ResNet50: 224)
FEATURE_BATCH_SIZE = 32
# None: features_<backbone>.hdf5 in OUTPUT_PATH (here features_resnet50.hdf5), following
# --set BACKBONE=...; a file name, or a list of files (feature fusion)
FEATURES_HDF5 = None
LOGREG_MODEL_PATH = "../output/dogs_vs_cats_logreg.skops"
LOGREG_REPORT = "../output/logreg_report.json"
LOGREG_C_GRID = [0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
LOGREG_TEST_SIZE = 0.25  # the book's 75/25 split (when no TEST_FEATURES_HDF5 is set)
HEAD_MODEL_PATH = "../output/dogs_vs_cats_head.keras"  # train_head.py
TEST_IMAGES_PATH = "../datasets/kaggle_dogs_vs_cats/test1"
SUBMISSION_PATH = "../output/submission.csv"
CLIP_RANGE = (0.005, 0.995)
POSITIVE_CLASS = "dog"

# --- fine-tuning (fine_tune.py) -------------------------------------------------------------
FINE_TUNE_MODEL_PATH = "../output/dogs_vs_cats_fine_tuned.keras"
FINE_TUNE_LAYERS = "conv5_"  # ResNet50's last block; or a count of layers from the end
FINE_TUNE_HEAD_EPOCHS = 10
FINE_TUNE_EPOCHS = 10
FINE_TUNE_LEARNING_RATE = 1e-4
