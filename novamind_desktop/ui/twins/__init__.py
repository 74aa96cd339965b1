"""Digital twins: charts of a patient's twin and the clinician's review."""
