"""tf.data programs: the tf.data guide (reduce, element_spec, zip, from_generator with args,
padded_batch of ragged series, batching with drop_remainder, py_function in map), the "Load
and preprocess images" tutorial (list_files, tf.strings.split for labels, tf.io.read_file,
tf.io.decode_jpeg, tf.image.resize, configure_for_performance), and feeding fit."""

import os

import numpy as np

import ember as tf

from .test_images import write_flower_folders


def test_tf_data_guide_basics():
    dataset = tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])
    assert [elem.numpy() for elem in dataset] == [8, 3, 0, 8, 2, 1]
    it = iter(dataset)
    assert next(it).numpy() == 8
    assert dataset.reduce(0, lambda state, value: state + value).numpy() == 22

    dataset1 = tf.data.Dataset.from_tensor_slices(tf.random.uniform([4, 10]))
    assert dataset1.element_spec == tf.TensorSpec(shape=(10,), dtype=tf.float32)
    dataset2 = tf.data.Dataset.from_tensor_slices(
        (tf.random.uniform([4]),
         tf.random.uniform([4, 100], maxval=100, dtype=tf.int32)))
    assert dataset2.element_spec[1].dtype == tf.int32
    dataset3 = tf.data.Dataset.zip((dataset1, dataset2))
    for a, (b, c) in dataset3:
        assert a.shape == (10,) and b.shape == () and c.shape == (100,)

    def count(stop):
        i = 0
        while i < stop:
            yield i
            i += 1

    ds_counter = tf.data.Dataset.from_generator(count, args=[25], output_types=tf.int32,
                                                output_shapes=(), )
    batches = [b.numpy() for b in ds_counter.repeat().batch(10).take(10)]
    assert batches[2].tolist() == [20, 21, 22, 23, 24, 0, 1, 2, 3, 4]

    def gen_series():
        i = 0
        while True:
            size = np.random.randint(0, 10)
            yield i, np.random.normal(size=(size,))
            i += 1

    ds_series = tf.data.Dataset.from_generator(
        gen_series,
        output_types=(tf.int32, tf.float32),
        output_shapes=((), (None,)))
    ds_series_batch = ds_series.shuffle(20).padded_batch(10)
    ids, sequence_batch = next(iter(ds_series_batch))
    assert ids.shape == (10,) and sequence_batch.shape[0] == 10
    assert sequence_batch.dtype == tf.float32

    inc_dataset = tf.data.Dataset.range(100)
    dec_dataset = tf.data.Dataset.range(0, -100, -1)
    dataset = tf.data.Dataset.zip((inc_dataset, dec_dataset))
    batched_dataset = dataset.batch(4)
    first = next(iter(batched_dataset))
    assert first[0].numpy().tolist() == [0, 1, 2, 3]
    assert first[1].numpy().tolist() == [0, -1, -2, -3]
    batched_dataset = dataset.batch(7, drop_remainder=True)
    assert len(list(batched_dataset)) == 14

    dataset = tf.data.Dataset.range(100)
    dataset = dataset.map(lambda x: tf.fill([tf.cast(x, tf.int32)], x))
    dataset = dataset.padded_batch(4, padded_shapes=(None,))
    batch = next(iter(dataset.skip(1)))
    assert batch.numpy().tolist() == [[4, 4, 4, 4, 0, 0, 0], [5, 5, 5, 5, 5, 0, 0],
                                      [6, 6, 6, 6, 6, 6, 0], [7, 7, 7, 7, 7, 7, 7]]


def test_py_function_in_map():
    images = np.random.default_rng(0).uniform(size=(6, 8, 8, 1)).astype("float32")
    labels = np.arange(6)

    def random_flip_image(image):
        return np.flip(image.numpy() if hasattr(image, "numpy") else image, axis=1)

    def tf_random_rotate_image(image, label):
        im_shape = image.shape
        [image, ] = tf.py_function(random_flip_image, [image], [tf.float32])
        image.set_shape(im_shape)
        return image, label

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).map(tf_random_rotate_image)
    for (image, label), original in zip(ds, images):
        np.testing.assert_array_equal(image.numpy(), original[:, ::-1])
        assert image.shape == (8, 8, 1)
    doubled = tf.data.Dataset.range(3).map(
        lambda x: tf.numpy_function(lambda v: v * 2, [x], tf.int64))
    assert [int(v) for v in doubled] == [0, 2, 4]


def test_load_images_tutorial_with_tf_io(tmp_path):
    data_dir = write_flower_folders(tmp_path / "flower_photos", per_class=10)
    (data_dir / "LICENSE.txt").write_text("CC-BY")
    batch_size = 8
    img_height = 24
    img_width = 24
    AUTOTUNE = tf.data.AUTOTUNE
    image_count = len(list(data_dir.glob('*/*.jpg')))
    list_ds = tf.data.Dataset.list_files(str(data_dir / '*/*'), shuffle=False)
    list_ds = list_ds.shuffle(image_count, reshuffle_each_iteration=False)
    for f in list_ds.take(2):
        assert f.numpy().endswith(b".jpg")
    class_names = np.array(sorted([item.name for item in data_dir.glob('*')
                                   if item.name != "LICENSE.txt"]))
    assert class_names.tolist() == ["daisy", "roses", "sunflowers"]
    val_size = int(image_count * 0.2)
    train_ds = list_ds.skip(val_size)
    val_ds = list_ds.take(val_size)
    assert tf.data.experimental.cardinality(train_ds).numpy() == 24

    def get_label(file_path):
        # Convert the path to a list of path components
        parts = tf.strings.split(file_path, os.path.sep)
        # The second to last is the class-directory
        one_hot = parts[-2] == class_names
        # Integer encode the label
        return tf.argmax(one_hot)

    def decode_img(img):
        # Convert the compressed string to a 3D uint8 tensor
        img = tf.io.decode_jpeg(img, channels=3)
        # Resize the image to the desired size
        return tf.image.resize(img, [img_height, img_width])

    def process_path(file_path):
        label = get_label(file_path)
        # Load the raw data from the file as a string
        img = tf.io.read_file(file_path)
        img = decode_img(img)
        return img, label

    train_ds = train_ds.map(process_path, num_parallel_calls=AUTOTUNE)
    val_ds = val_ds.map(process_path, num_parallel_calls=AUTOTUNE)
    for image, label in train_ds.take(1):
        assert image.shape == (img_height, img_width, 3) and image.dtype == tf.float32
        assert label.numpy() in (0, 1, 2)

    def configure_for_performance(ds):
        ds = ds.cache()
        ds = ds.shuffle(buffer_size=1000)
        ds = ds.batch(batch_size)
        ds = ds.prefetch(buffer_size=AUTOTUNE)
        return ds

    train_ds = configure_for_performance(train_ds)
    val_ds = configure_for_performance(val_ds)
    image_batch, label_batch = next(iter(train_ds))
    assert image_batch.shape == (batch_size, img_height, img_width, 3)
    num_classes = 3
    model = tf.keras.Sequential([
        tf.keras.layers.Rescaling(1./255),
        tf.keras.layers.Conv2D(8, 3, activation='relu'),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(32, activation='relu'),
        tf.keras.layers.Dense(num_classes)
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.005),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['accuracy'])
    history = model.fit(train_ds, validation_data=val_ds, epochs=6, verbose=0)
    assert history.history['accuracy'][-1] > 0.6


def test_interleave_and_text_lines(tmp_path):
    for i in range(3):
        (tmp_path / f"part{i}.txt").write_text("\n".join(f"file{i} line{j}" for j in range(4)))
    files = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    lines = files.interleave(lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=3,
                             num_parallel_calls=tf.data.AUTOTUNE)
    got = [x.numpy().decode() for x in lines]
    assert got[:3] == ["file0 line1", "file1 line1", "file2 line1"] and len(got) == 9
    words = lines.map(lambda s: tf.strings.split(s, " ")[1])
    assert next(iter(words)).numpy() == b"line1"
