"""The task-queue worker: a huey consumer running the tasks the app factory registered
(campaign texts and updates), each inside the app. ``flask --app wsgi engage worker``
runs it with the command's app, made by the same factory and config as the web app's."""

from __future__ import annotations

import logging

from flask import Flask
from huey.consumer import Consumer


def run_worker(app: Flask, workers: int) -> None:
    """Consume ``app``'s queue with ``workers`` threads until stopped; the periodic
    sweep runs too."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    Consumer(app.extensions["huey"], workers=workers, worker_type="thread", periodic=True,
             check_worker_health=True).run()
