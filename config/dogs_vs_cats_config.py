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
AUGMENTATION = {
    "rotation_range": 20,
    "zoom_range": 0.15,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.15,
    "horizontal_flip": True,
}

# --- transfer learning (extract_features.py, train_logreg.py, predict.py) -----------------
BACKBONE = "ResNet50"
WEIGHTS = "imagenet"
FEATURES_HDF5 = "../output/features_resnet50.hdf5"
LOGREG_MODEL_PATH = "../output/dogs_vs_cats_logreg.pickle"
TEST_IMAGES_PATH = "../datasets/kaggle_dogs_vs_cats/test1"
SUBMISSION_PATH = "../output/submission.csv"
