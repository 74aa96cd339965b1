"""Front desk: the patient registry and the appointment book."""
