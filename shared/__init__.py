"""The common layer of dldemo: data, live I/O, training, recording and the command line."""
