# One image for all five services; the command picks the service (python -m services.<name>).
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY shared ./shared
COPY services ./services
COPY devstack ./devstack
RUN pip install --no-cache-dir --no-deps .
USER nobody
