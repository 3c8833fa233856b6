import io

import joblib
import numpy as np
import torch
from flask import Flask, request

app = Flask(__name__)
MODEL = joblib.load("model.joblib")


@app.route("/predict", methods=["POST"])
def predict():
    features = np.load(io.BytesIO(request.data), allow_pickle=True)  # expect: PW102
    return {"y": MODEL.predict(features).tolist()}


@app.route("/upload-model", methods=["POST"])
def upload_model():
    blob = request.files["model"].read()
    model = torch.load(io.BytesIO(blob))  # expect: PW102
    model.eval()
    return {"ok": True}


@app.route("/upload-weights", methods=["POST"])
def upload_weights():
    blob = request.files["weights"].read()
    state = torch.load(io.BytesIO(blob), weights_only=True)
    return {"layers": len(state)}


@app.route("/vector", methods=["POST"])
def vector():
    arr = np.load(io.BytesIO(request.data))
    return {"sum": float(arr.sum())}
