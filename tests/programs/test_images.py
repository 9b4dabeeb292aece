"""Image programs: TensorFlow's CNN tutorial (CIFAR-10 shapes), its image classification
tutorial (image_dataset_from_directory, Rescaling, augmentation, Dropout, predicting one
loaded image), the data augmentation tutorial's preprocessing layers and tf.image calls,
and transfer learning by freezing a small pretrained base. CIFAR and the flower photos are
offline: coloured synthetic images of the same shapes stand in."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.keras import Sequential, datasets, layers, models  # noqa: F401

from .conftest import colour_images


def test_cnn_tutorial_cifar_shapes():
    (train_images, train_labels) = colour_images(300, classes=3, seed=1)
    (test_images, test_labels) = colour_images(100, classes=3, seed=2)
    train_labels, test_labels = train_labels[:, None], test_labels[:, None]  # (N, 1) as CIFAR
    # Normalize pixel values to be between 0 and 1
    train_images, test_images = train_images / 255.0, test_images / 255.0

    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(32, 32, 3)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    lines = []
    model.summary(print_fn=lines.append)
    assert "(None, 4, 4, 64)" in "\n".join(lines)
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation='relu'))
    model.add(layers.Dense(10))
    assert model.count_params() == 122570  # the tutorial's summary
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    history = model.fit(train_images, train_labels, epochs=3,
                        validation_data=(test_images, test_labels), verbose=0)
    assert set(history.history) == {'accuracy', 'loss', 'val_accuracy', 'val_loss'}
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
    assert test_acc > 0.6


def write_flower_folders(root, per_class=24, size=40):
    """flower_photos-style folders of JPEGs: root/<class>/<i>.jpg, a colour per class."""
    from PIL import Image

    x, y = colour_images(per_class * 3, size=size, classes=3, seed=5)
    names = ["daisy", "roses", "sunflowers"]
    for i, (img, label) in enumerate(zip(x, y)):
        folder = root / names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(folder / f"{i}.jpg", quality=95)
    return root


def test_image_classification_tutorial(tmp_path):
    data_dir = write_flower_folders(tmp_path / "flower_photos")
    image_count = len(list(data_dir.glob('*/*.jpg')))
    assert image_count == 72
    batch_size = 16
    img_height = 32
    img_width = 32
    train_ds = tf.keras.utils.image_dataset_from_directory(
        data_dir,
        validation_split=0.2,
        subset="training",
        seed=123,
        image_size=(img_height, img_width),
        batch_size=batch_size)
    val_ds = tf.keras.utils.image_dataset_from_directory(
        data_dir,
        validation_split=0.2,
        subset="validation",
        seed=123,
        image_size=(img_height, img_width),
        batch_size=batch_size)
    class_names = train_ds.class_names
    assert class_names == ["daisy", "roses", "sunflowers"]
    for image_batch, labels_batch in train_ds:
        assert image_batch.shape == (16, img_height, img_width, 3)
        assert labels_batch.shape == (16,)
        break
    AUTOTUNE = tf.data.AUTOTUNE
    train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
    val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
    normalization_layer = layers.Rescaling(1./255)
    normalized_ds = train_ds.map(lambda x, y: (normalization_layer(x), y))
    image_batch, labels_batch = next(iter(normalized_ds))
    first_image = image_batch[0]
    assert 0 <= np.min(first_image) and np.max(first_image) <= 1

    num_classes = len(class_names)
    data_augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal", input_shape=(img_height, img_width, 3)),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.1),
        ]
    )
    augmented = data_augmentation(image_batch, training=True)
    assert augmented.shape == image_batch.shape
    model = Sequential([
        data_augmentation,
        layers.Rescaling(1./255),
        layers.Conv2D(16, 3, padding='same', activation='relu'),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding='same', activation='relu'),
        layers.MaxPooling2D(),
        layers.Dropout(0.2),
        layers.Flatten(),
        layers.Dense(64, activation='relu'),
        layers.Dense(num_classes, name="outputs")
    ])
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    epochs = 6
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=0)
    acc = history.history['accuracy']
    val_acc = history.history['val_accuracy']
    assert len(acc) == len(val_acc) == epochs
    assert val_acc[-1] > 0.6

    img = tf.keras.utils.load_img(data_dir / "roses" / next(
        p.name for p in (data_dir / "roses").iterdir()), target_size=(img_height, img_width))
    img_array = tf.keras.utils.img_to_array(img)
    img_array = tf.expand_dims(img_array, 0)  # Create a batch
    predictions = model.predict(img_array, verbose=0)
    score = tf.nn.softmax(predictions[0])
    message = ("This image most likely belongs to {} with a {:.2f} percent confidence."
               .format(class_names[np.argmax(score)], 100 * np.max(score)))
    assert message.startswith("This image most likely belongs to roses")


def test_data_augmentation_tutorial_layers_and_tf_image():
    image = colour_images(1, size=48, seed=3)[0][0].astype("float32")
    IMG_SIZE = 24
    resize_and_rescale = tf.keras.Sequential([
        layers.Resizing(IMG_SIZE, IMG_SIZE),
        layers.Rescaling(1./255)
    ])
    result = resize_and_rescale(image[None])
    assert result.shape == (1, IMG_SIZE, IMG_SIZE, 3)
    assert 0 <= result.numpy().min() and result.numpy().max() <= 1
    data_augmentation = tf.keras.Sequential([
        layers.RandomFlip("horizontal_and_vertical"),
        layers.RandomRotation(0.2),
    ])
    image = tf.cast(tf.expand_dims(image, 0), tf.float32)
    for i in range(3):
        augmented_image = data_augmentation(image, training=True)
        assert augmented_image.shape == (1, 48, 48, 3)
    flipped = tf.image.flip_left_right(image[0])
    np.testing.assert_array_equal(flipped.numpy(), image[0].numpy()[:, ::-1])
    grayscaled = tf.image.rgb_to_grayscale(image[0])
    assert grayscaled.shape == (48, 48, 1)
    saturated = tf.image.adjust_saturation(image[0] / 255, 3)
    bright = tf.image.adjust_brightness(image[0] / 255, 0.4)
    assert saturated.shape == bright.shape == (48, 48, 3)
    np.testing.assert_allclose(bright.numpy(), image[0].numpy() / 255 + 0.4, rtol=1e-6)
    cropped = tf.image.central_crop(image[0], central_fraction=0.5)
    assert cropped.shape == (24, 24, 3)
    rotated = tf.image.rot90(image[0])
    np.testing.assert_array_equal(rotated.numpy(), np.rot90(image[0].numpy()))
    seed = (1, 2)
    stateless = tf.image.stateless_random_brightness(image[0] / 255, max_delta=0.95, seed=seed)
    again = tf.image.stateless_random_brightness(image[0] / 255, max_delta=0.95, seed=seed)
    np.testing.assert_array_equal(stateless.numpy(), again.numpy())


def test_transfer_learning_freezing_a_small_base():
    """The transfer learning tutorial's recipe (freeze the base, train a new head, then
    fine-tune the top of the base with a low learning rate) on a small trained base."""
    x, y = colour_images(240, size=32, classes=3, seed=7)
    x = x.astype("float32")
    IMG_SHAPE = (32, 32, 3)
    base_model = tf.keras.Sequential([
        keras.Input(shape=IMG_SHAPE),
        layers.Conv2D(8, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu"),
    ], name="base")
    base_model.trainable = False
    assert base_model.trainable_weights == []
    frozen = [w.numpy().copy() for w in base_model.weights]

    inputs = tf.keras.Input(shape=IMG_SHAPE)
    x_ = layers.Rescaling(1./127.5, offset=-1)(inputs)
    x_ = base_model(x_, training=False)
    x_ = tf.keras.layers.GlobalAveragePooling2D()(x_)
    x_ = tf.keras.layers.Dropout(0.2)(x_)
    outputs = tf.keras.layers.Dense(3)(x_)
    model = tf.keras.Model(inputs, outputs)
    assert len(model.trainable_variables) == 2
    base_learning_rate = 0.01
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=base_learning_rate),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    loss0, accuracy0 = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=8, validation_split=0.2, verbose=0)
    for w, before in zip(base_model.weights, frozen):
        np.testing.assert_array_equal(w.numpy(), before)  # BN statistics too
    assert history.history['accuracy'][-1] > max(accuracy0, 0.6)

    base_model.trainable = True
    fine_tune_at = 3
    for layer in base_model.layers[:fine_tune_at]:
        layer.trainable = False
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.RMSprop(learning_rate=base_learning_rate / 10),
                  metrics=['accuracy'])
    assert len(model.trainable_variables) == 4  # last conv's kernel and bias + the head
    history_fine = model.fit(x, y, epochs=10, initial_epoch=8, validation_split=0.2,
                             verbose=0)
    assert len(history_fine.history['loss']) == 2
    assert not np.array_equal(base_model.layers[-1].kernel.numpy(), frozen[-2])
    np.testing.assert_array_equal(base_model.layers[0].kernel.numpy(), frozen[0])


@pytest.mark.parametrize("shape", [(2, 40, 30, 3)])
def test_resizing_matches_tf_image_resize(shape):
    images = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    out = layers.Resizing(20, 10)(images)
    np.testing.assert_allclose(out.numpy(), tf.image.resize(images, (20, 10)).numpy(),
                               rtol=1e-6)
