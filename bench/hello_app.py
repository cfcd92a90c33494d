"""The bare Flask app the throughput benchmark compares the portal with."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Hello, world."""
    return "Hello, world!"
