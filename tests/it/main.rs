mod gui;
