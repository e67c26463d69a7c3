"""Build keras-mnist-sketch.ipynb by running its code cells here and storing their real
outputs (text and the PNG plot): ``python events/demo_data/build_notebook.py OUT.ipynb``."""

import ast
import base64
import io
import json
import sys
import types

CELLS = [
("markdown", """# Handwritten digits with Keras

A short sketch in the spirit of the live demo at the first meetup (the full notebook is in
the group's `demo` repository). MNIST needs a download, so this sketch draws its own digits
and runs offline: make the data, define a small model, train it, plot the accuracy."""),
("code", """import numpy as np
from PIL import Image, ImageDraw, ImageFont

rng = np.random.default_rng(7)
font = ImageFont.load_default(size=20)

def digit(d):
    img = Image.new("L", (28, 28))
    ImageDraw.Draw(img).text((8 + rng.integers(-3, 4), 2 + rng.integers(-3, 4)), str(d),
                             fill=255, font=font)
    img = img.rotate(rng.uniform(-15, 15))
    return np.asarray(img, dtype="float32") / 255.0 + rng.normal(0, 0.15, (28, 28))

y = rng.integers(0, 10, 4000)
x = np.stack([digit(d) for d in y]).astype("float32")
x_train, y_train, x_test, y_test = x[:3200], y[:3200], x[3200:], y[3200:]
x_train.shape, x_test.shape"""),
("code", """import keras

model = keras.Sequential([
    keras.layers.Input((28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
keras.utils.set_random_seed(7)
history = model.fit(x_train, y_train, epochs=8, batch_size=64,
                    validation_data=(x_test, y_test), verbose=0)
[round(a, 3) for a in history.history["val_accuracy"]]"""),
("code", """import io

from IPython.display import Image as Png  # shown by Jupyter; drawn with Pillow


def plot(curves, width=480, height=300, pad=40):
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([pad, 10, width - 10, height - pad], outline="black")
    for tick in np.linspace(0, 1, 6):
        y = height - pad - tick * (height - pad - 10)
        draw.line([pad - 4, y, pad, y], fill="black")
        draw.text((4, y - 6), f"{tick:.1f}", fill="black")
    for (label, values), colour in zip(curves.items(), ["#1f77b4", "#d62728"], strict=False):
        n = len(values)
        pts = [(pad + i * (width - pad - 10) / (n - 1),
                height - pad - v * (height - pad - 10)) for i, v in enumerate(values)]
        draw.line(pts, fill=colour, width=3)
        draw.text((pts[-1][0] - 150, pts[-1][1] + 8), label, fill=colour)
    draw.text((width // 2 - 20, height - pad + 12), "epoch", fill="black")
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return Png(buffer.getvalue())

plot({"training accuracy": history.history["accuracy"],
      "test accuracy": history.history["val_accuracy"]})"""),
("markdown", """Going past 99% on real handwriting needs a convolutional network, as the video
*TensorFlow and deep learning, without a PhD* shows step by step."""),
]


class Png:
    def __init__(self, data):
        self.data = data


def run():
    ns = {"io": io, "__name__": "__main__"}
    # IPython is not installed here: provide the one name the plot cell imports
    ipy = types.ModuleType("IPython")
    disp = types.ModuleType("IPython.display")
    disp.Image = Png
    ipy.display = disp
    sys.modules["IPython"] = ipy
    sys.modules["IPython.display"] = disp
    cells, count = [], 0
    for kind, source in CELLS:
        if kind == "markdown":
            cells.append({"cell_type": "markdown", "metadata": {},
                          "source": source.splitlines(keepends=True)})
            continue
        count += 1
        tree = ast.parse(source)
        last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), ns)  # noqa: S102 - our own cells
        outputs = []
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns)  # noqa: S307
            if isinstance(value, Png):
                outputs.append({"output_type": "display_data", "metadata": {},
                                "data": {"image/png": base64.b64encode(value.data).decode(),
                                         "text/plain": ["<IPython.core.display.Image object>"]}})
            else:
                outputs.append({"output_type": "execute_result", "execution_count": count,
                                "metadata": {}, "data": {"text/plain": [repr(value)]}})
        cells.append({"cell_type": "code", "execution_count": count, "metadata": {},
                      "source": source.splitlines(keepends=True), "outputs": outputs})
    nb = {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{i}"
    with open(sys.argv[1], "w", encoding="utf-8") as fh:
        json.dump(nb, fh, indent=1, ensure_ascii=False)
    print([c.get("outputs") and list(c["outputs"][0]["data"]) for c in cells])
    print(cells[2]["outputs"][0]["data"]["text/plain"])


run()
