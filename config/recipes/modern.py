"""Kaggle Dogs vs. Cats with today's training recipe: start here instead of the book's.

The same data as ../dogs_vs_cats_config.py (build it with that file, or with this one: the
builder settings are the same), trained with what practitioners reach for now, every part
a setting of its own (docs/TRAINING.md, "Recipes"; docs/SETTINGS.md): AdamW with decoupled
weight decay, a linear warm-up into a cosine decay, label smoothing, mixup and CutMix on
the batches, the book's augmentation with colour jitter and random erasing, gradient
clipping, and a moving average of the weights (what is validated and saved).

    python train_alexnet.py --config config/recipes/modern.py
    python fine_tune.py --config config/recipes/modern.py   # FINE_TUNE_RECIPE = "recipe"

Its model, checkpoints and history have names of their own, so the book's run stays
beside it for compare_runs.py. Relative paths are relative to this file's folder.
"""

# --- dataset (build_dataset.py): as ../dogs_vs_cats_config.py ------------------------------
IMAGES_PATH = "../../datasets/kaggle_dogs_vs_cats/train"
NUM_CLASSES = 2
NUM_VAL_IMAGES = 1250 * NUM_CLASSES
NUM_TEST_IMAGES = 1250 * NUM_CLASSES
IMAGE_SIZE = 256
TRAIN_HDF5 = "../../datasets/kaggle_dogs_vs_cats/hdf5/train.hdf5"
VAL_HDF5 = "../../datasets/kaggle_dogs_vs_cats/hdf5/val.hdf5"
TEST_HDF5 = "../../datasets/kaggle_dogs_vs_cats/hdf5/test.hdf5"
OUTPUT_PATH = "../../output"
DATASET_MEAN = "../../output/dogs_vs_cats_mean.json"
RANDOM_SEED = 42

# --- the network (as the book's) --------------------------------------------------------------
NETWORK = "AlexNet"
INPUT_SIZE = 227
DENSE_UNITS = 4096
MEAN_IN_MODEL = True
MODEL_PATH = "../../output/alexnet_dogs_vs_cats_modern.keras"
CHECKPOINT_PATH = "../../output/checkpoints_modern"
EPOCHS = 75
BATCH_SIZE = 128

# --- the modern recipe ----------------------------------------------------------------------
OPTIMIZER = "adamw"  # keras.optimizers.AdamW
LEARNING_RATE = 1e-3  # the peak, reached at the end of the warm-up
WEIGHT_DECAY = 0.05  # AdamW's decoupled decay (the layers get no L2 penalty)
LR_SCHEDULE = "cosine"  # keras.optimizers.schedules.CosineDecay, per batch, to 0 at EPOCHS
WARMUP_EPOCHS = 5  # linear warm-up from 0
LABEL_SMOOTHING = 0.1  # the cross-entropy's label_smoothing
MIXUP_ALPHA = 0.2  # mixup on half the batches...
CUTMIX_ALPHA = 1.0  # ...CutMix on the other half (MIXUP_SHARE, CUTMIX_SHARE to change it)
AUGMENTATION = "strong"  # the book's geometry + colour jitter + random erasing
GRADIENT_CLIP = 1.0  # clipnorm
EMA_DECAY = 0.999  # validate and keep the moving average of the weights

# --- fine_tune.py: the same recipe after unfreezing (docs/TRAINING.md, "Fine-tuning") -------
FINE_TUNE_RECIPE = "recipe"  # OPTIMIZER ... EMA_DECAY above, at FINE_TUNE_LEARNING_RATE
FINE_TUNE_MODEL_PATH = "../../output/fine_tuned_modern.keras"
